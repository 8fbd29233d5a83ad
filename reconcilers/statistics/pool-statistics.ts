/**
 * Pool figures per environment, computed from desired and observed state: what `/statistics/execution-environments`,
 * `/health` and the environment status show. Idle = unclaimed runners of the current template revision whose
 * allocation runs (exactly the runners a claim can take); used = claimed runners.
 */
import type { DesiredState, StoredEnvironment } from '../desired-state';
import type { ObservedState } from '../ports';
import { isRunnerRunning } from '../runner/allocation-facts';
import { templateRevision } from '../template/render-template';

/** The figures of one environment (the original API's shape). */
export interface EnvironmentStatistics {
  id: number;
  prewarmingPoolSize: number;
  idleRunners: number;
  usedRunners: number;
}

/** Idle and used runner counts of one environment. */
export function environmentStatisticsOf(
  environment: StoredEnvironment,
  desired: DesiredState,
  observed: ObservedState,
): EnvironmentStatistics {
  const revision = templateRevision(environment.spec);
  let idleRunners = 0;
  let usedRunners = 0;
  for (const runner of desired.runnersOf(environment.spec.id)) {
    if (runner.spec.claim) usedRunners++;
    else if (runner.spec.templateRevision === revision && isRunnerRunning(observed, runner.metadata.name))
      idleRunners++;
  }
  return { id: environment.spec.id, prewarmingPoolSize: environment.spec.prewarmingPoolSize, idleRunners, usedRunners };
}

/** The figures of every environment, by id. */
export function environmentStatistics(desired: DesiredState, observed: ObservedState): EnvironmentStatistics[] {
  return desired
    .environments()
    .map((environment) => environmentStatisticsOf(environment, desired, observed))
    .sort((a, b) => a.id - b.id);
}

/**
 * True when the pool is depleting: `idle / poolSize < threshold`. A threshold of 0 disables it; a pool size of 0
 * never depletes (as the original's `/health`).
 */
export function isDepleting(statistics: EnvironmentStatistics, threshold: number): boolean {
  if (!(threshold > 0) || statistics.prewarmingPoolSize === 0) return false;
  return statistics.idleRunners / statistics.prewarmingPoolSize < threshold;
}

/** Ids of the environments whose pool is depleting (ascending). */
export function depletedEnvironments(statistics: readonly EnvironmentStatistics[], threshold: number): number[] {
  return statistics
    .filter((s) => isDepleting(s, threshold))
    .map((s) => s.id)
    .sort((a, b) => a - b);
}
