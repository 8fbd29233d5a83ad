/**
 * A manual clock with timers for tests: time only moves when the test advances it, and due timers fire in order of
 * their due time (then of creation).
 */
import type { RuntimeClock, TimerHandle } from '../../controllers/runtime/timers';

interface FakeTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/** Lets pending promise callbacks (and one round of I/O callbacks) run. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A {@link RuntimeClock} driven by the test. */
export class FakeClock implements RuntimeClock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  /** @param startMs the initial time in epoch milliseconds (default 2025-01-01T00:00:00Z). */
  constructor(startMs = Date.UTC(2025, 0, 1)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, dueAt: this.current + Math.max(0, delayMs), callback });
    return { fakeTimer: id };
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'object' && 'fakeTimer' in handle) this.timers.delete(handle.fakeTimer as number);
  }

  /** Number of timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time of the earliest pending timer, if any. */
  nextDueAt(): number | undefined {
    return this.earliest(Number.POSITIVE_INFINITY)?.dueAt;
  }

  /** Moves time forward by `ms`, firing due timers synchronously in order (timers they set fire too if due). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let timer = this.earliest(target); timer; timer = this.earliest(target)) {
      this.timers.delete(timer.id);
      this.current = Math.max(this.current, timer.dueAt);
      timer.callback();
    }
    this.current = target;
  }

  /**
   * Like {@link advance}, but lets promise callbacks run before and after each timer, so async work started by a
   * timer (a retry, a reconcile) can schedule its own timers before time moves on.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushPromises();
    for (let timer = this.earliest(target); timer; timer = this.earliest(target)) {
      this.timers.delete(timer.id);
      this.current = Math.max(this.current, timer.dueAt);
      timer.callback();
      await flushPromises();
    }
    this.current = target;
    await flushPromises();
  }

  private earliest(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.dueAt <= limit && (!best || timer.dueAt < best.dueAt)) best = timer;
    }
    return best;
  }
}
