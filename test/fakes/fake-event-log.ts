/**
 * The event log of the fake backend: a bounded buffer of event batches (one batch per backend index, like Nomad's
 * event broker ring) and the open subscriptions that stream from it.
 */
import { PoseidonError } from '../../crds/errors';
import type { BackendEvent } from '../../reconcilers/ports';

/** One entry of the log: every event of one backend write, all sharing its index. */
export interface EventBatch {
  readonly index: number;
  readonly events: readonly BackendEvent[];
}

interface Subscription {
  readonly queue: (readonly BackendEvent[])[];
  error: Error | undefined;
  wake: (() => void) | undefined;
}

/** The gap error of the port contract: events after the requested index may have been lost. */
export function gapError(message: string): PoseidonError {
  return new PoseidonError('Conflict', message, { details: { reason: 'gap' } });
}

/** A bounded, subscribable log of event batches. */
export class FakeEventLog {
  private batches: EventBatch[] = [];
  /** Events with an index up to this one may have been lost (evicted from the buffer or dropped by a restart). */
  private lostUpTo = 0;
  private readonly subscriptions = new Set<Subscription>();

  /** @param capacity how many batches (indexes) the buffer keeps; older ones are evicted. */
  constructor(private readonly capacity: number) {}

  /** Number of open subscriptions (tests assert that streams are closed). */
  get openStreams(): number {
    return this.subscriptions.size;
  }

  /** Appends a batch and delivers it to every open subscription. Empty batches are not published. */
  publish(index: number, events: readonly BackendEvent[]): void {
    if (events.length === 0) return;
    const batch: EventBatch = Object.freeze({ index, events: Object.freeze([...events]) });
    this.batches.push(batch);
    while (this.batches.length > this.capacity) {
      const evicted = this.batches.shift();
      if (evicted) this.lostUpTo = Math.max(this.lostUpTo, evicted.index);
    }
    for (const subscription of this.subscriptions) {
      subscription.queue.push(batch.events);
      subscription.wake?.();
    }
  }

  /** Makes every open stream throw `error` on its next read. */
  breakAll(error: Error): void {
    for (const subscription of this.subscriptions) {
      subscription.error = error;
      subscription.wake?.();
    }
  }

  /** Forgets the buffer: every event up to `lostUpTo` counts as lost for later subscribers. */
  clear(lostUpTo: number): void {
    this.batches = [];
    this.lostUpTo = lostUpTo;
  }

  /**
   * Streams batches with index > `fromIndex` (0 = from `currentIndex()` on). Throws the gap error on the first read
   * when events after `fromIndex` may have been lost or `fromIndex` lies beyond the current index (it went backwards).
   */
  async *stream(
    fromIndex: number,
    currentIndex: () => number,
    signal: AbortSignal,
  ): AsyncGenerator<readonly BackendEvent[], void, undefined> {
    const current = currentIndex();
    if (fromIndex > current) {
      throw gapError(`index ${fromIndex} is ahead of the backend's index ${current}: the backend's index went back`);
    }
    if (fromIndex > 0 && fromIndex < this.lostUpTo) {
      throw gapError(`events after index ${fromIndex} are no longer buffered (oldest kept: ${this.lostUpTo + 1})`);
    }
    const start = fromIndex === 0 ? current : fromIndex;
    const subscription: Subscription = { queue: [], error: undefined, wake: undefined };
    for (const batch of this.batches) if (batch.index > start) subscription.queue.push(batch.events);
    const onAbort = (): void => subscription.wake?.();
    signal.addEventListener('abort', onAbort);
    this.subscriptions.add(subscription);
    try {
      yield* drain(subscription, signal);
    } finally {
      this.subscriptions.delete(subscription);
      signal.removeEventListener('abort', onAbort);
    }
  }
}

async function* drain(
  subscription: Subscription,
  signal: AbortSignal,
): AsyncGenerator<readonly BackendEvent[], void, undefined> {
  for (;;) {
    if (signal.aborted) return;
    if (subscription.error) throw subscription.error;
    const next = subscription.queue.shift();
    if (next) {
      yield next;
      continue;
    }
    await new Promise<void>((resolve) => {
      subscription.wake = resolve;
    });
    subscription.wake = undefined;
  }
}
