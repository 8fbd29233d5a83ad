/**
 * The template revision: a stable content hash of an environment's rendered task settings. It names what a runner
 * was made from (`Runner.spec.templateRevision`, the `templateHash` job meta) so a changed spec rolls the pool and an
 * identical one changes nothing.
 */
import { createHash } from 'node:crypto';
import type { TaskSettings } from '../ports';

/** Bumped when the rendering of settings changes in a way that must roll every pool. */
const RENDERING_VERSION = 'v1';

/**
 * The revision of rendered settings: 16 hex digits of a SHA-256 over their canonical form. `forcePull` is not part
 * of it (it says how to start, not what runs), and exposed ports count as a set.
 */
export function settingsRevision(settings: TaskSettings): string {
  const ports = settings.networkAccess ? [...new Set(settings.exposedPorts)].sort((a, b) => a - b) : [];
  const canonical = JSON.stringify([
    RENDERING_VERSION,
    settings.image,
    settings.cpuLimit,
    settings.memoryLimit,
    settings.networkAccess,
    ports,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
