/**
 * Problems only the HTTP layer knows (the rest of the project speaks `PoseidonError`, crds/errors.ts). Both kinds are
 * rendered by the one catalog (error-catalog.ts).
 */

/** Codes of problems that exist only at the HTTP edge. */
export type ApiOnlyCode = 'PayloadTooLarge' | 'PoolDepleting' | 'CrossOrigin' | 'NotWebSocket';

/** An HTTP-edge problem with a stable code. */
export class ApiError extends Error {
  readonly apiCode: ApiOnlyCode;

  constructor(apiCode: ApiOnlyCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.apiCode = apiCode;
  }
}

/** The code of `error` when it is an {@link ApiError} (duck-typed, like `errorCodeOf`). */
export function apiCodeOf(error: unknown): ApiOnlyCode | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { apiCode?: unknown }).apiCode;
  return typeof code === 'string' ? (code as ApiOnlyCode) : undefined;
}
