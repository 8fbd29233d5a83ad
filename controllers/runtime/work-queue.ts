/**
 * A work queue of keys with client-go's guarantees: a key added several times before a worker takes it runs once; one
 * key never runs on two workers at once; a key added while it runs runs again after `done`. Keys can be added after
 * a delay (the earliest pending delay wins) or with per-key rate limiting.
 */
import type { Registry } from 'prom-client';
import { workQueueMetrics, type WorkQueueMetrics } from '../metrics/workqueue-metrics';
import { Fifo } from './fifo';
import { defaultRateLimiter, type RateLimiter } from './rate-limiter';
import type { RuntimeClock, TimerHandle } from './timers';

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions<K> {
  /** The queue's name, the `name` label of its metrics. */
  name: string;
  clock: RuntimeClock;
  /** Where the queue's metrics go. Default: no metrics. */
  registry?: Registry;
  /** Default: {@link defaultRateLimiter} (5 ms .. 1000 s per key, 10/s with a burst of 100 overall). */
  rateLimiter?: RateLimiter<K>;
}

interface Delayed {
  readonly dueAt: number;
  readonly timer: TimerHandle;
}

const NO_METRICS: WorkQueueMetrics = {
  added: () => undefined,
  depth: () => undefined,
  queued: () => undefined,
  worked: () => undefined,
  retried: () => undefined,
  close: () => undefined,
};

/** A de-duplicating, rate-limited work queue of keys. */
export class WorkQueue<K> {
  readonly name: string;
  private readonly clock: RuntimeClock;
  private readonly limiter: RateLimiter<K>;
  private readonly metrics: WorkQueueMetrics;
  private readonly queue = new Fifo<K>();
  /** Keys that need processing: waiting in `queue`, or re-added while processing. */
  private readonly dirty = new Map<K, number>();
  /** Keys a worker holds, with the time it took them. */
  private readonly processing = new Map<K, number>();
  private readonly delayed = new Map<K, Delayed>();
  private readonly getters: ((key: K | undefined) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions<K>) {
    this.name = options.name;
    this.clock = options.clock;
    this.limiter = options.rateLimiter ?? defaultRateLimiter<K>(options.clock);
    const inFlight = { startTimes: () => this.processing.values(), now: () => this.clock.now() };
    this.metrics = options.registry ? workQueueMetrics(options.registry, options.name, inFlight) : NO_METRICS;
  }

  /** Keys waiting for a worker (not counting running or delayed ones). */
  get length(): number {
    return this.queue.length;
  }

  /** Keys held by workers right now. */
  get processingCount(): number {
    return this.processing.size;
  }

  /** Keys waiting for their delay to pass. */
  get delayedCount(): number {
    return this.delayed.size;
  }

  /** True after {@link shutDown}. */
  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Marks `key` for processing. Ignored after shut-down and while the key is already waiting. */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.set(key, this.clock.now());
    this.metrics.added();
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Adds `key` after `delayMs`; when the key is already delayed, the earlier due time wins. */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.dueAt <= dueAt) return;
    if (pending) this.clock.clearTimeout(pending.timer);
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { dueAt, timer });
  }

  /** Adds `key` after the delay its rate limiter assigns (one more failure for the key). */
  addRateLimited(key: K): void {
    if (this.shuttingDown) return;
    this.metrics.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  /** Resets the key's backoff (call after a success). */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  /** Retries of `key` since it was last forgotten. */
  numRequeues(key: K): number {
    return this.limiter.numRequeues(key);
  }

  /**
   * Waits for the next key and hands it to the caller, who must call {@link done} with it. Resolves `undefined` once
   * the queue is shut down.
   */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.queue.length > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Releases a key taken with {@link get}; a key re-added meanwhile goes back into the queue. */
  done(key: K): void {
    const startedAt = this.processing.get(key);
    if (startedAt === undefined) return;
    this.processing.delete(key);
    this.metrics.worked(this.clock.now() - startedAt);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
    if (this.processing.size === 0) this.drainWaiters.splice(0).forEach((resolve) => resolve());
  }

  /**
   * Stops the queue: adds are ignored, waiting and delayed keys are dropped (the controller is level-triggered, so a
   * restart re-derives them), and blocked {@link get} calls resolve `undefined`. Keys being processed finish normally.
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.clock.clearTimeout(timer);
    this.delayed.clear();
    this.queue.clear();
    this.dirty.clear();
    this.metrics.depth(0);
    this.metrics.close();
    this.getters.splice(0).forEach((resolve) => resolve(undefined));
  }

  /** Resolves once no key is being processed (use after {@link shutDown} to wait for running work). */
  drained(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private enqueue(key: K): void {
    const getter = this.getters.shift();
    if (getter) {
      this.queue.push(key);
      getter(this.take());
      return;
    }
    this.queue.push(key);
    this.metrics.depth(this.queue.length);
  }

  private take(): K {
    const key = this.queue.shift() as K;
    const now = this.clock.now();
    this.metrics.queued(now - (this.dirty.get(key) ?? now));
    this.dirty.delete(key);
    this.processing.set(key, now);
    this.metrics.depth(this.queue.length);
    return key;
  }
}
