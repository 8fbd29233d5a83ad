/**
 * Open-loop load: starts an action at a fixed rate regardless of how long earlier ones take (as independent users
 * do), so a slow server shows up as latency instead of as a lower request rate.
 */
import { delay, elapsedMs } from './bench-stats';

/** What an open-loop run measured. */
export interface OpenLoopResult<T> {
  /** Latency of every action that resolved, in milliseconds. */
  readonly latencies: number[];
  /** Values the actions resolved with. */
  readonly results: T[];
  /** Errors of the actions that rejected. */
  readonly errors: unknown[];
  /** Milliseconds from the first start to the last settlement. */
  readonly elapsedMs: number;
}

/**
 * Starts `action` `ratePerSecond` times a second for `durationMs` (paced against the start time, so a late timer
 * does not lower the rate), then waits for every action to settle.
 */
export async function openLoop<T>(
  ratePerSecond: number,
  durationMs: number,
  action: (n: number) => Promise<T>,
): Promise<OpenLoopResult<T>> {
  const intervalMs = 1000 / ratePerSecond;
  const total = Math.max(1, Math.round((durationMs / 1000) * ratePerSecond));
  const latencies: number[] = [];
  const results: T[] = [];
  const errors: unknown[] = [];
  const pending: Promise<void>[] = [];
  const start = process.hrtime.bigint();
  for (let n = 0; n < total; n++) {
    await delay(n * intervalMs - elapsedMs(start));
    const begun = process.hrtime.bigint();
    pending.push(
      action(n).then(
        (value) => {
          latencies.push(elapsedMs(begun));
          results.push(value);
        },
        (error: unknown) => {
          errors.push(error);
        },
      ),
    );
  }
  await Promise.all(pending);
  return { latencies, results, errors, elapsedMs: elapsedMs(start) };
}

/**
 * Closed-loop load: `clients` concurrent loops each running `action` back to back until `durationMs` has passed.
 * Answers completed actions, per-action latencies and errors.
 */
export async function closedLoop(
  clients: number,
  durationMs: number,
  action: (client: number, n: number) => Promise<void>,
): Promise<{ completed: number; latencies: number[]; errors: unknown[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const errors: unknown[] = [];
  const start = process.hrtime.bigint();
  const loop = async (client: number): Promise<void> => {
    for (let n = 0; elapsedMs(start) < durationMs; n++) {
      const begun = process.hrtime.bigint();
      try {
        await action(client, n);
        latencies.push(elapsedMs(begun));
      } catch (error) {
        errors.push(error);
        if (errors.length > 20) return;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, client) => loop(client)));
  return { completed: latencies.length, latencies, errors, elapsedMs: elapsedMs(start) };
}
