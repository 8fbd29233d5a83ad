/**
 * Small statistics and timing helpers shared by every benchmark: percentiles over samples, a monotonic stopwatch,
 * and a bounded sampling loop (a sample count and a time budget, whichever ends first).
 */

/** p50 and p99 of a sample set, in the samples' unit. */
export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly samples: number;
}

/** The `p`-th percentile (nearest rank) of `values`; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** p50 and p99 of `values`. */
export function percentiles(values: readonly number[]): Percentiles {
  return { p50: percentile(values, 50), p99: percentile(values, 99), samples: values.length };
}

/** Milliseconds since `start` (a `process.hrtime.bigint()` value). */
export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `action` and answers how long it took, in milliseconds. */
export async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return elapsedMs(start);
}

/** How many samples to take: at most `count`, and no new one after `budgetMs`. */
export interface SampleBudget {
  readonly count: number;
  readonly budgetMs: number;
}

/**
 * Times `action` sequentially until `budget.count` samples are taken or `budget.budgetMs` has passed (at least one
 * sample is always taken). Answers the durations in milliseconds.
 */
export async function sample(budget: SampleBudget, action: (n: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  const started = process.hrtime.bigint();
  for (let n = 0; n < budget.count; n++) {
    if (n > 0 && elapsedMs(started) > budget.budgetMs) break;
    times.push(await timed(() => action(n)));
  }
  return times;
}

/** Resolves after `ms` milliseconds (pacing of open-loop load; never used to wait for a condition). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
