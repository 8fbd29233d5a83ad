/**
 * Time as an input: the runtime never calls `Date.now` or `setTimeout` directly, it takes a {@link RuntimeClock} so
 * tests can drive time by hand (test/support/fake-clock.ts).
 */
import type { Clock } from '../../reconcilers/ports';

/** An opaque timer handle. */
export type TimerHandle = object | number;

/** Scheduling of callbacks. */
export interface Timers {
  /** Calls `callback` once after `delayMs` milliseconds (0 or negative: as soon as possible). */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** A clock that can also schedule callbacks: what the runtime and the caches take. */
export interface RuntimeClock extends Clock, Timers {}

/** The real clock: `Date.now` and the global timers. */
export function systemClock(): RuntimeClock {
  return {
    now: () => Date.now(),
    setTimeout: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
}
