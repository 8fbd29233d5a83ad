/**
 * The connection to one Nomad agent: an undici Agent (keep-alive pool, TLS with CA and client certificate), the
 * openapi-fetch client typed by the generated paths, the `X-Nomad-Token` header, and the query parameters every call
 * carries (`namespace`, `region`).
 */
import { readFileSync } from 'node:fs';
import createClient, { type Client } from 'openapi-fetch';
import { Agent, fetch as undiciFetch, Request as UndiciRequest } from 'undici';
import type { NomadBackendConfig } from './nomad-backend-options';
import type { NomadPaths } from './nomad-wire';

/** TLS material for sockets the pool does not make (the exec WebSocket). */
export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** The shared connection state of the adapter. */
export interface NomadTransport {
  readonly config: NomadBackendConfig;
  readonly client: Client<NomadPaths>;
  readonly dispatcher: Agent;
  readonly tls: TlsMaterial;
  /** `ws://` or `wss://` form of the base URL. */
  readonly wsBaseUrl: string;
  /** Headers of every request (the token when configured). */
  headers(): Record<string, string>;
  /** `extra` plus `namespace` (and `region` when configured). */
  query<T extends object>(extra: T): T & { namespace: string; region?: string };
  /** A signal that aborts after `timeoutMs` or when `parent` aborts. */
  signal(parent?: AbortSignal, timeoutMs?: number): AbortSignal;
  close(): Promise<void>;
}

/** Opens the pool. Reads the TLS files once; throws when one is unreadable. */
export function createNomadTransport(config: NomadBackendConfig): NomadTransport {
  const tls = loadTls(config);
  const dispatcher = new Agent({
    connections: config.maxConnections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connect: { ...tls, timeout: Math.min(config.requestTimeoutMs, 10_000) },
  });
  const client = createClient<NomadPaths>({
    baseUrl: config.baseUrl,
    fetch: (request: Request) =>
      undiciFetch(request as unknown as UndiciRequest, { dispatcher }) as unknown as Promise<Response>,
    Request: UndiciRequest as unknown as typeof Request,
    pathSerializer: serializePath,
  });
  const headers = (): Record<string, string> => (config.token ? { 'X-Nomad-Token': config.token } : {});
  return {
    config,
    client,
    dispatcher,
    tls,
    wsBaseUrl: config.baseUrl.replace(/^http/i, 'ws'),
    headers,
    query: (extra) => ({ ...extra, namespace: config.namespace, ...(config.region ? { region: config.region } : {}) }),
    signal: (parent, timeoutMs = config.requestTimeoutMs) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      return parent ? AbortSignal.any([parent, timeout]) : timeout;
    },
    close: () => closeGracefully(dispatcher, CLOSE_GRACE_MS),
  };
}

/** How long `close()` lets in-flight requests finish before it cuts them. */
const CLOSE_GRACE_MS = 2000;

/** Closes the pool: in-flight requests may finish within `graceMs`, then every connection is destroyed. */
async function closeGracefully(dispatcher: Agent, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), graceMs)));
  const outcome = await Promise.race([
    dispatcher.close().then(
      () => 'closed' as const,
      () => 'closed' as const,
    ),
    expired,
  ]);
  clearTimeout(timer);
  if (outcome === 'expired') await dispatcher.destroy();
}

/**
 * Fills `{name}` placeholders; a variable `path` keeps its `/` separators (each segment is escaped on its own),
 * every other parameter is escaped whole, so no value can add path segments or a query.
 */
export function serializePath(pathname: string, params: Record<string, unknown>): string {
  return pathname.replace(/\{([^{}]+)\}/g, (_match, name: string) => {
    const value = String(params[name] ?? '');
    if (name === 'path') return value.split('/').map(encodeURIComponent).join('/');
    return encodeURIComponent(value);
  });
}

function loadTls(config: NomadBackendConfig): TlsMaterial {
  if (!config.tls.active) return {};
  const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
  const material = { ca: read(config.tls.caFile), cert: read(config.tls.certFile), key: read(config.tls.keyFile) };
  if ((material.cert === undefined) !== (material.key === undefined)) {
    throw new Error('nomad.tls: certfile and keyfile must be given together');
  }
  return Object.fromEntries(Object.entries(material).filter(([, v]) => v !== undefined)) as TlsMaterial;
}
