/**
 * Rate limiters of the work queue, after client-go's `workqueue` rate limiters: per-key exponential backoff, an
 * overall token bucket, and the maximum of both (the default).
 */
import type { Clock } from '../../reconcilers/ports';

/** Decides how long a key waits before it is retried. */
export interface RateLimiter<K> {
  /** The delay in milliseconds before `key` may run again; each call counts as one more failure. */
  when(key: K): number;
  /** Forgets the key's failures (after a success). */
  forget(key: K): void;
  /** How many times the key has been retried since it was last forgotten. */
  numRequeues(key: K): number;
}

/** Options of {@link exponentialRateLimiter}. */
export interface ExponentialOptions {
  /** Delay of the first retry in ms. Default 5. */
  baseMs?: number;
  /** Largest delay in ms. Default 1,000,000 (1000 s). */
  maxMs?: number;
}

/** Per-key exponential backoff: `baseMs * 2^failures`, capped at `maxMs`. */
export function exponentialRateLimiter<K>(options: ExponentialOptions = {}): RateLimiter<K> {
  const baseMs = options.baseMs ?? 5;
  const maxMs = options.maxMs ?? 1_000_000;
  const failures = new Map<K, number>();
  return {
    when(key) {
      const count = failures.get(key) ?? 0;
      failures.set(key, count + 1);
      // 2^count overflows to Infinity for large counts; min() keeps the cap.
      return Math.min(maxMs, baseMs * 2 ** count);
    },
    forget: (key) => void failures.delete(key),
    numRequeues: (key) => failures.get(key) ?? 0,
  };
}

/** Options of {@link bucketRateLimiter}. */
export interface BucketOptions {
  /** Sustained retries per second over all keys. Default 10. */
  qps?: number;
  /** Retries allowed at once before the rate applies. Default 100. */
  burst?: number;
}

/** An overall token bucket: each retry takes a token; without one it waits for the next refill. */
export function bucketRateLimiter<K>(clock: Clock, options: BucketOptions = {}): RateLimiter<K> {
  const qps = options.qps ?? 10;
  const burst = options.burst ?? 100;
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - last) / 1000) * qps);
      last = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : Math.ceil((-tokens / qps) * 1000);
    },
    forget: () => undefined,
    numRequeues: () => 0,
  };
}

/** The largest delay of several limiters (each one counts the failure). */
export function maxOfRateLimiter<K>(...limiters: readonly RateLimiter<K>[]): RateLimiter<K> {
  return {
    when: (key) => Math.max(0, ...limiters.map((limiter) => limiter.when(key))),
    forget: (key) => limiters.forEach((limiter) => limiter.forget(key)),
    numRequeues: (key) => Math.max(0, ...limiters.map((limiter) => limiter.numRequeues(key))),
  };
}

/** Options of {@link defaultRateLimiter}. */
export interface DefaultRateLimiterOptions extends ExponentialOptions, BucketOptions {}

/** client-go's default: per-key backoff from 5 ms to 1000 s, and 10 retries/s with a burst of 100 overall. */
export function defaultRateLimiter<K>(clock: Clock, options: DefaultRateLimiterOptions = {}): RateLimiter<K> {
  return maxOfRateLimiter(exponentialRateLimiter<K>(options), bucketRateLimiter<K>(clock, options));
}
