/**
 * The event feed's log: one batch of events per backend index (like a Nomad raft entry), a bounded ring of recent
 * batches for resuming, and the open subscriptions. Resuming from an index older than the ring (or from before a
 * restart) or newer than the current index throws the port's gap error, so the caller re-lists.
 */
import { PoseidonError } from '../../../../crds/errors';
import type { BackendEvent } from '../../../../reconcilers/ports';

/** Every event of one backend write, all sharing its index. */
export interface EventBatch {
  readonly index: number;
  readonly events: readonly BackendEvent[];
}

interface Subscription {
  readonly queue: EventBatch[];
  error: Error | undefined;
  wake: (() => void) | undefined;
}

/** The port's gap error: events after the requested index may have been lost. */
export function gapError(message: string): PoseidonError {
  return new PoseidonError('Conflict', message, { details: { reason: 'gap' } });
}

/** A bounded, subscribable log of event batches. */
export class EventLog {
  private readonly ring: EventBatch[] = [];
  private readonly subscriptions = new Set<Subscription>();
  /** Events up to this index may have been lost (evicted, or emitted before the restart). */
  private lostUpTo: number;

  /**
   * @param capacity batches kept; a subscriber falling further behind than this is dropped with the gap error
   * @param currentIndex the backend's current index
   * @param bootIndex the index at start-up (everything up to it counts as lost)
   */
  constructor(
    private readonly capacity: number,
    private readonly currentIndex: () => number,
    bootIndex: number,
  ) {
    this.lostUpTo = bootIndex;
  }

  /** Number of open subscriptions. */
  get openStreams(): number {
    return this.subscriptions.size;
  }

  /** Appends a batch (indexes must increase) and delivers it to every subscription. Empty batches are dropped. */
  publish(index: number, events: readonly BackendEvent[]): void {
    if (events.length === 0) return;
    const batch: EventBatch = Object.freeze({ index, events: Object.freeze([...events]) });
    this.ring.push(batch);
    if (this.ring.length > this.capacity) {
      const evicted = this.ring.shift();
      if (evicted) this.lostUpTo = evicted.index;
    }
    for (const subscription of this.subscriptions) {
      if (subscription.queue.length >= this.capacity) {
        subscription.error = gapError('the event feed consumer fell too far behind; events were dropped');
        this.subscriptions.delete(subscription);
      } else {
        subscription.queue.push(batch);
      }
      subscription.wake?.();
    }
  }

  /** Ends every subscription with `error` on its next read. */
  breakAll(error: Error): void {
    for (const subscription of this.subscriptions) {
      subscription.error = error;
      subscription.wake?.();
    }
  }

  /**
   * Streams batches with index > `fromIndex` (0 = from now on) until `signal` aborts. The first read throws the gap
   * error when events after `fromIndex` may have been lost. The subscription starts at the call, so nothing published
   * between the call and the first read is missed.
   */
  stream(fromIndex: number, signal: AbortSignal): AsyncIterable<readonly BackendEvent[]> {
    const refusal = this.refusal(fromIndex);
    if (refusal) return failing(refusal);
    const current = this.currentIndex();
    const start = fromIndex === 0 ? current : fromIndex;
    const subscription: Subscription = {
      queue: this.ring.filter((batch) => batch.index > start),
      error: undefined,
      wake: undefined,
    };
    this.subscriptions.add(subscription);
    return this.drain(subscription, signal);
  }

  private refusal(fromIndex: number): Error | undefined {
    const current = this.currentIndex();
    if (!Number.isSafeInteger(fromIndex) || fromIndex < 0) {
      return new PoseidonError('Invalid', `event feed: fromIndex must be a non-negative integer, got ${fromIndex}`);
    }
    if (fromIndex > current) {
      return gapError(`index ${fromIndex} is ahead of the backend's index ${current}: the backend's index went back`);
    }
    if (fromIndex > 0 && fromIndex < this.lostUpTo) {
      return gapError(`events after index ${fromIndex} are no longer buffered (buffer starts after ${this.lostUpTo})`);
    }
    return undefined;
  }

  private async *drain(subscription: Subscription, signal: AbortSignal): AsyncGenerator<readonly BackendEvent[]> {
    const onAbort = (): void => subscription.wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (signal.aborted) return;
        if (subscription.error) throw subscription.error;
        const next = subscription.queue.shift();
        if (next) {
          yield next.events;
          continue;
        }
        await new Promise<void>((resolve) => {
          subscription.wake = resolve;
        });
        subscription.wake = undefined;
      }
    } finally {
      this.subscriptions.delete(subscription);
      signal.removeEventListener('abort', onAbort);
    }
  }
}

function failing(error: Error): AsyncIterable<readonly BackendEvent[]> {
  return {
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
  };
}
