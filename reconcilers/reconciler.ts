/**
 * The reconcile contract every reconciler of this folder keeps (controller-runtime's shape): a key in; done, "check
 * again after T", or a thrown error (the runtime backs off per key) out. Reconcilers depend on nothing of the runtime;
 * the shape is structurally the runtime's, so they plug into its controllers as they are.
 */
import type { Logger } from 'pino';

/** "Check this key again after `requeueAfter` milliseconds": for known waits (a deadline), never for errors. */
export interface ReconcileResult {
  readonly requeueAfter: number;
}

/** What the caller may pass along with a key (the runtime passes a logger bound to the reconcile). */
export interface ReconcileContext {
  /** A logger already bound to `{ controller, key, reconcileId }`. */
  readonly logger?: Logger;
  readonly reconcileId?: string;
}

/** A level-triggered reconciler of one root concern. Throws on errors (`PoseidonError` with retry semantics). */
export interface Reconciler {
  /** The controller name (`environment`, `pool`, `runner`). */
  readonly name: string;
  reconcile(key: string, context?: ReconcileContext): Promise<void | ReconcileResult>;
}

/** What one idempotent write did. */
export type WriteOutcome = 'unchanged' | 'created' | 'updated' | 'deleted';

/** The logger of one reconcile: the caller's, or a child of `base` bound to the key and a fresh reconcile id. */
export function reconcileLogger(
  base: Logger,
  key: string,
  context: ReconcileContext | undefined,
  newId: () => string,
): Logger {
  return context?.logger ?? base.child({ key, reconcileId: context?.reconcileId ?? newId() });
}

/** The earlier of two optional delays (undefined = none), never negative. */
export function earliestRequeue(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b === undefined ? undefined : Math.max(0, b);
  if (b === undefined) return Math.max(0, a);
  return Math.max(0, Math.min(a, b));
}

/** The reconcile result for an optional delay (rounded up to whole milliseconds). */
export function resultOf(requeueAfter: number | undefined): void | ReconcileResult {
  return requeueAfter === undefined ? undefined : { requeueAfter: Math.max(0, Math.ceil(requeueAfter)) };
}
