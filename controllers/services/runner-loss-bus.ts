/**
 * Delivers "this runner is gone, and why" to whoever holds a live session on it (the WebSocket executions), exactly
 * once per runner. Reconcilers report losses they detect (OOM, reschedule, expiry, ...); the API reports releases;
 * a deleted claimed Runner resource without a reported cause counts as `deregistered`.
 */
import type { RunnerLossCause } from '../../reconcilers/ports';

type Listener = (cause: RunnerLossCause) => void;

/** A per-runner, fire-once notification bus. */
export class RunnerLossBus {
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Causes of runners that are gone, so late subscribers learn it too. Bounded: oldest entries are dropped. */
  private readonly gone = new Map<string, RunnerLossCause>();

  constructor(private readonly rememberGone = 10000) {}

  /** Reports that `runnerId` is gone. The first report wins; later ones are ignored and answer false. */
  runnerLost(runnerId: string, cause: RunnerLossCause): boolean {
    if (this.gone.has(runnerId)) return false;
    this.gone.set(runnerId, cause);
    if (this.gone.size > this.rememberGone) {
      const oldest = this.gone.keys().next().value;
      if (oldest !== undefined) this.gone.delete(oldest);
    }
    const listeners = this.listeners.get(runnerId);
    this.listeners.delete(runnerId);
    for (const listener of listeners ?? []) listener(cause);
    return true;
  }

  /** The cause of a runner already reported gone, if any. */
  causeOf(runnerId: string): RunnerLossCause | undefined {
    return this.gone.get(runnerId);
  }

  /**
   * Calls `listener` once when `runnerId` is reported gone (on the next tick when it already is). Returns the
   * function that unsubscribes.
   */
  subscribe(runnerId: string, listener: Listener): () => void {
    const known = this.gone.get(runnerId);
    if (known !== undefined) {
      const timer = setImmediate(() => listener(known));
      return () => clearImmediate(timer);
    }
    let set = this.listeners.get(runnerId);
    if (!set) {
      set = new Set();
      this.listeners.set(runnerId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(runnerId) === set) this.listeners.delete(runnerId);
    };
  }
}
