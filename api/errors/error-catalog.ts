/**
 * The one catalog of every error the API answers: which status and which body each error code gets. Routes throw
 * (`PoseidonError` or `ApiError`); the error middleware and the WebSocket upgrade path render through
 * {@link problemOf}. Clients (CodeOcean) look at the status and `errorCode`, so both are stable; messages are the
 * error's own.
 */
import { errorCodeOf, type ErrorCode } from '../../crds/errors';
import { apiCodeOf, type ApiOnlyCode } from './api-error';

/** The `errorCode` values of 500 and 503 bodies. `NOMAD_UNREACHABLE` exists in the original but is never sent. */
export type ApiErrorCode = 'NOMAD_OVERLOAD' | 'NOMAD_INTERNAL_SERVER_ERROR' | 'PREWARMING_POOL_DEPLETING' | 'UNKNOWN';

/** A rendered error: the status and the JSON body. */
export interface ApiProblem {
  readonly status: number;
  readonly body: { readonly message: string; readonly errorCode?: ApiErrorCode };
}

interface CatalogEntry {
  readonly status: number;
  readonly errorCode?: ApiErrorCode;
}

const INTERNAL: CatalogEntry = { status: 500, errorCode: 'UNKNOWN' };

/** Every code, with its status and `errorCode`. Codes without an `errorCode` answer `{message}` only. */
export const ERROR_CATALOG: Readonly<Record<ErrorCode | ApiOnlyCode, CatalogEntry>> = {
  Invalid: { status: 400 },
  NotFound: { status: 404 },
  EnvironmentNotFound: { status: 404 },
  ExecutionNotFound: { status: 404 },
  RunnerGone: { status: 410 },
  FileNotFound: { status: 424 },
  NoRunnerAvailable: { status: 500, errorCode: 'NOMAD_OVERLOAD' },
  BackendUnavailable: { status: 500, errorCode: 'NOMAD_INTERNAL_SERVER_ERROR' },
  AlreadyExists: INTERNAL,
  Conflict: INTERNAL,
  Internal: INTERNAL,
  PayloadTooLarge: { status: 413 },
  PoolDepleting: { status: 503, errorCode: 'PREWARMING_POOL_DEPLETING' },
  CrossOrigin: { status: 403 },
  NotWebSocket: { status: 400 },
};

/** The status and body for any thrown value; unknown errors are 500 `UNKNOWN`. */
export function problemOf(error: unknown): ApiProblem {
  const code = apiCodeOf(error) ?? errorCodeOf(error);
  const entry = (code !== undefined ? ERROR_CATALOG[code] : undefined) ?? INTERNAL;
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: entry.status,
    body: entry.errorCode === undefined ? { message } : { message, errorCode: entry.errorCode },
  };
}
