/**
 * Options of the Nomad backend -> documented defaults -> one compiled, frozen configuration. The keys follow the
 * original Poseidon's `nomad.*` configuration (address, port, token, tls, namespace, network, disableforcepull,
 * templatejobfile).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RuntimeClock } from '../../runtime/timers';
import { systemClock } from '../../runtime/timers';
import { DEFAULT_UNPRIVILEGED_PREFIX } from './command-wrapping';

/** TLS towards Nomad: a CA to verify the agent and an optional client certificate for mTLS. File paths. */
export interface NomadTlsOptions {
  readonly active: boolean;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** The group network of environments with network access (`nomad.network`). */
export interface NomadNetworkOptions {
  /** `bridge` (default), `host`, `cni/<name>`, or `none`. */
  readonly mode: string;
  readonly hostname?: string;
  readonly dns?: { readonly servers?: string[]; readonly searches?: string[]; readonly options?: string[] };
}

/** Everything `createNomadBackend` takes. Only `logger` is required. */
export interface NomadBackendOptions {
  /** Host of the Nomad agent, or a full `http(s)://host:port` URL. Default `127.0.0.1`. */
  readonly address?: string;
  /** Default 4646 (ignored when `address` is a URL). */
  readonly port?: number;
  /** ACL token sent as `X-Nomad-Token`; empty = none. */
  readonly token?: string;
  /** Namespace of every call and job. Default `default`. */
  readonly namespace?: string;
  readonly region?: string;
  readonly tls?: NomadTlsOptions;
  readonly network?: NomadNetworkOptions;
  /** Never set `force_pull`. Default false. */
  readonly disableForcePull?: boolean;
  /** A Nomad job in JSON (API format, `{"Job": {...}}` or the bare job) replacing the built-in template. */
  readonly templateJobFile?: string;
  /**
   * Prefix that runs an unprivileged command as the runner's user. Default: `/sbin/setuser user` when the image has
   * it (the original's phusion images), else `setpriv` to `user` (command-wrapping.ts).
   */
  readonly unprivilegedPrefix?: readonly string[];
  /** Per-request timeout of plain API calls in ms. Default 10 000. */
  readonly requestTimeoutMs?: number;
  /** Pooled keep-alive connections to the agent. Default 32 (Nomad caps a client IP at 100 by default). */
  readonly maxConnections?: number;
  /** Page size of list calls; 0 = one unpaged call. Default 0. */
  readonly listPageSize?: number;
  /** Parallel job reads during a list (jobs whose job-level meta cannot be trusted). Default 16. */
  readonly listReadConcurrency?: number;
  /** The event stream: reconnect after this much silence (Nomad sends `{}` every 30 s). Default 75 000. */
  readonly eventIdleTimeoutMs?: number;
  /** Reconnect backoff of the event stream: first and largest delay in ms. Defaults 100 and 10 000. */
  readonly eventBackoffMs?: { readonly initial: number; readonly max: number };
  /** Give up (throw `BackendUnavailable`) when the stream cannot reconnect for this long. Default 60 000. */
  readonly eventMaxOutageMs?: number;
  /** Interval of the exec WebSocket heartbeat `{}` in ms. Default 10 000 (as the Go client). */
  readonly execHeartbeatMs?: number;
  /** Time `kill()` waits for the `exited` frame before dropping the exec socket. Default 3000. */
  readonly execKillGraceMs?: number;
  readonly logger: Logger;
  /** prom-client registry for the adapter's metrics; none = no metrics. */
  readonly registry?: Registry;
  readonly clock?: RuntimeClock;
  /** Random numbers in [0, 1) (backoff jitter, execution ids). Default Math.random. */
  readonly random?: () => number;
}

/** The compiled configuration. */
export interface NomadBackendConfig {
  readonly baseUrl: string;
  readonly token: string;
  readonly namespace: string;
  readonly region: string;
  readonly tls: NomadTlsOptions;
  readonly network: NomadNetworkOptions;
  readonly disableForcePull: boolean;
  readonly templateJobFile: string;
  readonly unprivilegedPrefix: readonly string[];
  readonly requestTimeoutMs: number;
  readonly maxConnections: number;
  readonly listPageSize: number;
  readonly listReadConcurrency: number;
  readonly eventIdleTimeoutMs: number;
  readonly eventBackoffMs: { readonly initial: number; readonly max: number };
  readonly eventMaxOutageMs: number;
  readonly execHeartbeatMs: number;
  readonly execKillGraceMs: number;
  readonly logger: Logger;
  readonly registry: Registry | undefined;
  readonly clock: RuntimeClock;
  readonly random: () => number;
}

/** Applies the defaults. Throws a plain Error for options that cannot work (a caller bug). */
export function compileNomadOptions(options: NomadBackendOptions): NomadBackendConfig {
  const tls: NomadTlsOptions = options.tls ?? { active: false };
  const config: NomadBackendConfig = {
    baseUrl: baseUrlOf(options.address ?? '127.0.0.1', options.port ?? 4646, tls.active),
    token: options.token ?? '',
    namespace: options.namespace || 'default',
    region: options.region ?? '',
    tls,
    network: options.network ?? { mode: 'bridge' },
    disableForcePull: options.disableForcePull ?? false,
    templateJobFile: options.templateJobFile ?? '',
    unprivilegedPrefix: options.unprivilegedPrefix ?? DEFAULT_UNPRIVILEGED_PREFIX,
    requestTimeoutMs: positive(options.requestTimeoutMs, 10_000),
    maxConnections: positive(options.maxConnections, 32),
    listPageSize: Math.max(0, Math.floor(options.listPageSize ?? 0)),
    listReadConcurrency: positive(options.listReadConcurrency, 16),
    eventIdleTimeoutMs: positive(options.eventIdleTimeoutMs, 75_000),
    eventBackoffMs: options.eventBackoffMs ?? { initial: 100, max: 10_000 },
    eventMaxOutageMs: positive(options.eventMaxOutageMs, 60_000),
    execHeartbeatMs: positive(options.execHeartbeatMs, 10_000),
    execKillGraceMs: positive(options.execKillGraceMs, 3000),
    logger: options.logger,
    registry: options.registry,
    clock: options.clock ?? systemClock(),
    random: options.random ?? Math.random,
  };
  return Object.freeze(config);
}

function baseUrlOf(address: string, port: number, tlsActive: boolean): string {
  if (/^https?:\/\//i.test(address)) return address.replace(/\/+$/, '');
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid Nomad port ${port}`);
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return `${tlsActive ? 'https' : 'http'}://${host}:${port}`;
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
