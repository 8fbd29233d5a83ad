/**
 * The embedded backend's public surface: what the composition root constructs. See README.md.
 */
export { createEmbeddedBackend } from './embedded-backend';
export type { EmbeddedBackend, EmbeddedBackendOptions } from './embedded-backend';
