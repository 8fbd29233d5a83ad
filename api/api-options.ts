/**
 * What {@link createApiServer} takes: the services, the API-visible configuration, and the logger, metrics registry
 * and clock the caller owns. Nothing here is global; two servers in one process share nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ApiServices } from './ports';

/** TLS material; with it the server speaks HTTPS (TLS 1.3 only) and hands out `wss://` URLs. */
export interface ApiTlsConfig {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** The configuration keys that change what clients see. */
export interface ApiConfig {
  /** `Poseidon-Token` every protected route requires; empty disables authentication. */
  readonly token: string;
  readonly tls?: ApiTlsConfig;
  /** Deliver stderr as `stderr` messages (true) or merged into `stdout` (false). */
  readonly interactiveStderr: boolean;
  /** `/health` answers 503 when an environment's idle/pool ratio is below this (0 = never). */
  readonly prewarmingPoolThreshold: number;
  /** Largest accepted request body in bytes (64 MiB in the default configuration). */
  readonly maxBodyBytes: number;
  /** Idle keep-alive connections are closed after this many seconds (keep it well above CodeOcean's 5 s). */
  readonly keepAliveTimeoutSeconds: number;
  /** The `/version` string; empty means 404. */
  readonly release: string;
}

/**
 * Time as an input: `now` for durations, timers for the execution protocol (time limits, the 3 s grace, the exit-128
 * hold). Structurally the controller runtime's `RuntimeClock`, and what xstate's actor clock needs.
 */
export interface ApiClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link createApiServer}. */
export interface ApiServerOptions {
  readonly services: ApiServices;
  readonly config: ApiConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Default: the system clock. */
  readonly clock?: ApiClock;
  /** Generates execution ids (UUID v4). Default: `crypto.randomUUID`. */
  readonly newId?: () => string;
  /** Timings of the execution protocol; defaults are the original's (see {@link DEFAULT_EXECUTION_TIMINGS}). */
  readonly executionTimings?: Partial<ExecutionTimings>;
  /** How long `close()` lets in-flight requests finish before cutting their connections (default 2000 ms). */
  readonly closeGraceMs?: number;
}

/** Timings of the WebSocket execution protocol, in milliseconds. */
export interface ExecutionTimings {
  /** After a time limit or a client close, wait this long for the process to end before destroying the runner. */
  readonly stopGraceMs: number;
  /** An exit status of exactly 128 is held this long to see whether an OOM kill of the runner is reported. */
  readonly exitHoldMs: number;
}

/** The original Poseidon's timings: 3 s grace after Ctrl-\, 1 s hold of exit 128. */
export const DEFAULT_EXECUTION_TIMINGS: ExecutionTimings = { stopGraceMs: 3000, exitHoldMs: 1000 };

/** The options with every default filled in. */
export interface ResolvedApiOptions extends ApiServerOptions {
  readonly clock: ApiClock;
  readonly newId: () => string;
  readonly executionTimings: ExecutionTimings;
  readonly closeGraceMs: number;
}

/** The real clock. */
export function systemApiClock(): ApiClock {
  return {
    now: () => Date.now(),
    setTimeout: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}

/** Fills in the defaults of `options`. */
export function resolveApiOptions(options: ApiServerOptions): ResolvedApiOptions {
  return {
    ...options,
    clock: options.clock ?? systemApiClock(),
    newId: options.newId ?? randomUUID,
    executionTimings: { ...DEFAULT_EXECUTION_TIMINGS, ...options.executionTimings },
    closeGraceMs: options.closeGraceMs ?? 2000,
  };
}
