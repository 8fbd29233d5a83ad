/**
 * Classifies Nomad's answers into the project's PoseidonError codes, the way the wire says (spec nomad-api.md §1):
 * plain-text bodies, 500 for job validation and job check-and-set failures, 409 for variable check-and-set
 * conflicts, 429 for the per-client connection cap, transport errors for an unreachable agent.
 */
import { PoseidonError } from '../../../crds/errors';

/** Prefix of every job check-and-set failure (`EnforceIndex`), which Nomad answers with 500. */
export const ENFORCE_INDEX_PREFIX = 'Enforcing job modify index';

/** What a failed HTTP exchange looked like. */
export interface NomadFailure {
  readonly method: string;
  /** Path without query. */
  readonly path: string;
  readonly status: number;
  /** The plain-text body (trimmed), or the JSON text for JSON error bodies. */
  readonly body: string;
}

const VALIDATION_MARKERS = [
  'validation failed',
  'error occurred',
  'errors occurred',
  'must be specified',
  'hasn\u0027t been provided',
  'does not match',
  'invalid',
  'missing required',
  'should not contain',
];

/** Turns a non-2xx answer into a PoseidonError with the right code and retry semantics. */
export function classifyNomadFailure(failure: NomadFailure): PoseidonError {
  const { status, body } = failure;
  const where = `${failure.method} ${failure.path}`;
  const message = `Nomad ${where} answered ${status}${body ? `: ${truncate(body)}` : ''}`;
  const details = { status, body: truncate(body, 2000), path: failure.path };
  if (body.includes(ENFORCE_INDEX_PREFIX)) return new PoseidonError('Conflict', message, { details });
  if (status === 409) return new PoseidonError('Conflict', message, { details });
  if (status === 404) return new PoseidonError('NotFound', message, { details });
  if (status === 400) return new PoseidonError('Invalid', message, { details });
  if (status === 403 || status === 401) {
    return new PoseidonError('BackendUnavailable', `${message} (check nomad.token and its ACL policy)`, {
      details,
      retryable: false,
    });
  }
  if (status === 429) {
    return new PoseidonError('BackendUnavailable', `${message} (per-client connection cap reached)`, { details });
  }
  if (status === 500 && isValidationText(body)) return new PoseidonError('Invalid', message, { details });
  return new PoseidonError('BackendUnavailable', message, { details });
}

/** Wraps a transport failure (refused, reset, timed out, aborted) as a retryable `BackendUnavailable`. */
export function transportFailure(method: string, path: string, cause: unknown): PoseidonError {
  const reason = describeCause(cause);
  return new PoseidonError('BackendUnavailable', `Nomad ${method} ${path} failed: ${reason}`, { cause });
}

/** True for Nomad's job validation texts (multierror lists and field checks), which retrying cannot fix. */
export function isValidationText(body: string): boolean {
  const lower = body.toLowerCase();
  return VALIDATION_MARKERS.some((marker) => lower.includes(marker));
}

function describeCause(cause: unknown): string {
  // Duck-typed: errors from Node internals are not `instanceof Error` in every realm (Jest's sandbox, for one).
  const {
    name,
    code,
    message,
    cause: inner,
  } = (cause ?? {}) as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
  if (typeof message !== 'string') return String(cause);
  if (name === 'TimeoutError') return 'timed out';
  const innerMessage = (inner as { message?: unknown } | undefined)?.message;
  return `${typeof code === 'string' ? `${code} ` : ''}${message}${typeof innerMessage === 'string' ? `: ${innerMessage}` : ''}`;
}

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
