/**
 * The few typed errors every layer shares. Each carries a stable `code` (check by code, never by `instanceof`: Jest
 * can load a module twice), says whether retrying the same operation can help, and keeps its `cause`.
 */

/** Stable error codes. The API maps them to HTTP statuses in one catalog (api/errors). */
export type ErrorCode =
  | 'Invalid' // the input is malformed or breaks the schema; never retried
  | 'NotFound' // the named resource does not exist
  | 'AlreadyExists' // a create hit an existing name (or a unique field such as an environment id)
  | 'Conflict' // an optimistic-concurrency check failed: the resourceVersion is stale
  | 'RunnerGone' // a runner is unknown, expired or destroyed (HTTP 410)
  | 'NoRunnerAvailable' // the environment's idle pool is empty (HTTP 500 NOMAD_OVERLOAD)
  | 'EnvironmentNotFound' // a claim named an unknown environment (HTTP 404 with a JSON body)
  | 'FileNotFound' // a listed or downloaded path cannot be read (HTTP 424)
  | 'ExecutionNotFound' // a WebSocket attach named an unknown or used execution id (HTTP 404)
  | 'BackendUnavailable' // the backend (Nomad, the sandbox host) failed or is unreachable; retrying may help
  | 'Internal'; // a bug or an unexpected state

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['Conflict', 'BackendUnavailable']);

/** Options of a {@link PoseidonError}. */
export interface PoseidonErrorOptions {
  cause?: unknown;
  /** Overrides the code's default retry semantics. */
  retryable?: boolean;
  /** Structured details for logs and API bodies (for example validation issues). */
  details?: unknown;
}

/** The one error class of the project: a code, a message, retry semantics and a cause. */
export class PoseidonError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: PoseidonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PoseidonError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.details = options.details;
  }
}

/** True when `error` is a {@link PoseidonError} with `code` (duck-typed, so it works across module copies). */
export function hasErrorCode(error: unknown, code: ErrorCode): error is PoseidonError {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code && 'retryable' in error
  );
}

/** The code of `error` when it is a {@link PoseidonError}, else `undefined`. */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  if (typeof error !== 'object' || error === null || !('retryable' in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? (code as ErrorCode) : undefined;
}
