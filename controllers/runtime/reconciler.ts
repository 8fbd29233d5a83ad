/**
 * The reconcile contract (after controller-runtime's `reconcile.Reconciler`): a key in; out comes "done" (nothing),
 * "check again after T" (`{ requeueAfter }`), or a thrown error. Thrown errors are retried with per-key backoff unless
 * they are terminal: an `Invalid` PoseidonError that is not retryable, which is logged and counted, never retried.
 */
import type { Logger } from 'pino';
import { PoseidonError, errorCodeOf } from '../../crds/errors';

/** What a reconcile may return. `requeueAfter` (ms) is for known waits such as a deadline, never for errors. */
export type ReconcileResult = void | { readonly requeueAfter: number };

/** Per-reconcile context. */
export interface ReconcileContext {
  /** A child logger bound to `{ controller, key, reconcileId }`. */
  readonly logger: Logger;
  /** Unique id of this reconcile, for correlating its log lines. */
  readonly reconcileId: string;
  /** Aborted when the controller stops and the drain timeout has passed: give up early. */
  readonly signal: AbortSignal;
}

/** A level-triggered reconciler of one root concern. */
export interface Reconciler<K = string> {
  /** The controller name: the `controller` label and log field. */
  readonly name: string;
  /** Converges the world for `key`. Must be idempotent: it may run any number of times for the same state. */
  reconcile(key: K, ctx: ReconcileContext): Promise<ReconcileResult>;
}

/** An error that retrying cannot fix (the spec is invalid): recorded, counted, not retried. */
export function terminalError(message: string, options: { cause?: unknown; details?: unknown } = {}): PoseidonError {
  return new PoseidonError('Invalid', message, { ...options, retryable: false });
}

/** True for terminal errors: `Invalid` PoseidonErrors that are not retryable (duck-typed across module copies). */
export function isTerminalError(error: unknown): boolean {
  return errorCodeOf(error) === 'Invalid' && (error as { retryable?: unknown }).retryable === false;
}
