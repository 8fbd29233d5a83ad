/**
 * The claim: picks an idle Runner of the environment's current template revision whose allocation runs, and writes
 * the claim with one check-and-set update (the resourceVersion is the lock), so concurrent claims never get the same
 * runner and a crash leaves the claim either written or not. Answers at once: no waiting, no backend call.
 */
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { PoseidonError, hasErrorCode } from '../../crds/errors';
import type { ResourceStore } from '../../crds/store/store';
import type { DesiredState, StoredRunner } from '../desired-state';
import { reconcilerMetrics, type ClaimResult, type ReconcilerMetrics } from '../metrics/reconciler-metrics';
import type { ObservedState } from '../ports';
import { templateRevision } from '../template/render-template';
import { isRunnerRunning } from './allocation-facts';

/** A claim request. */
export interface ClaimRequest {
  readonly environmentId: number;
  /** Seconds without activity before the runner is destroyed; 0 = never, negative = at once. */
  readonly inactivityTimeout: number;
  /** Time of the claim (epoch ms), recorded as `claimedAt`. */
  readonly now: number;
}

/** Collaborators of the {@link RunnerClaimer}. */
export interface RunnerClaimerDeps {
  readonly store: ResourceStore;
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  /** Uniform random numbers in [0, 1): where the scan for an idle runner starts, so claims spread. */
  readonly random: () => number;
  readonly registry: Registry;
  /** Monotonic milliseconds for the latency histogram. Default `performance.now`. */
  readonly elapsed?: () => number;
  /** Conflicting writes tolerated before giving up with `NoRunnerAvailable`. Default 8. */
  readonly maxConflicts?: number;
}

/**
 * Claims idle runners. Runners this claimer is writing a claim on, or has claimed while the desired cache has not
 * seen the claim yet, are reserved: concurrent claims of this process skip them instead of colliding on the same
 * check-and-set (a burst of claims on a full pool would otherwise convoy through conflicts and give up). Other
 * processes are still kept apart by the check-and-set alone.
 */
export class RunnerClaimer {
  private readonly metrics: ReconcilerMetrics;
  private readonly elapsed: () => number;
  private readonly reserved = new Set<string>();

  constructor(private readonly deps: RunnerClaimerDeps) {
    this.metrics = reconcilerMetrics(deps.registry);
    this.elapsed = deps.elapsed ?? (() => performance.now());
  }

  /**
   * Claims an idle runner of `environmentId` and returns the claimed resource. Throws `EnvironmentNotFound` for an
   * unknown environment, `NoRunnerAvailable` when no idle runner can be claimed, `Invalid` for a non-integer timeout.
   */
  async claimRunner(request: ClaimRequest): Promise<StoredRunner> {
    const started = this.elapsed();
    let result: ClaimResult = 'error';
    try {
      const runner = await this.claim(request);
      result = 'claimed';
      return runner;
    } catch (error) {
      if (hasErrorCode(error, 'NoRunnerAvailable')) result = 'no_runner';
      if (hasErrorCode(error, 'EnvironmentNotFound')) result = 'environment_not_found';
      throw error;
    } finally {
      this.metrics.claimDuration.observe({ result }, (this.elapsed() - started) / 1000);
    }
  }

  private async claim(request: ClaimRequest): Promise<StoredRunner> {
    if (!Number.isSafeInteger(request.inactivityTimeout)) {
      throw new PoseidonError('Invalid', 'inactivityTimeout must be an integer number of seconds');
    }
    const environment = this.deps.desired.environment(request.environmentId);
    if (!environment) {
      throw new PoseidonError('EnvironmentNotFound', `execution environment ${request.environmentId} not found`);
    }
    const revision = templateRevision(environment.spec);
    const candidates = this.deps.desired.runnersOf(request.environmentId);
    const claim = { inactivityTimeout: request.inactivityTimeout, claimedAt: new Date(request.now).toISOString() };
    const maxConflicts = this.deps.maxConflicts ?? 8;
    const start = Math.floor(this.deps.random() * candidates.length);
    this.releaseSeenReservations();
    let conflicts = 0;
    for (let i = 0; i < candidates.length && conflicts < maxConflicts; i++) {
      let runner = candidates[(start + i) % candidates.length];
      if (!runner || this.reserved.has(runner.metadata.name)) continue;
      const name = runner.metadata.name;
      this.reserved.add(name);
      let claimed = false;
      try {
        while (runner && this.claimable(runner, revision) && conflicts < maxConflicts) {
          try {
            const written = await this.deps.store.update('Runner', { ...runner, spec: { ...runner.spec, claim } });
            claimed = true;
            return written;
          } catch (error) {
            if (!hasErrorCode(error, 'Conflict') && !hasErrorCode(error, 'NotFound')) throw error;
            conflicts++;
            runner = hasErrorCode(error, 'Conflict') ? await this.current(runner) : undefined;
          }
        }
      } finally {
        if (!claimed) this.reserved.delete(name);
      }
    }
    throw new PoseidonError('NoRunnerAvailable', 'no runners available for this execution environment');
  }

  /** Drops reservations of runners the cache now shows claimed, or no longer has. */
  private releaseSeenReservations(): void {
    for (const name of this.reserved) {
      const runner = this.deps.desired.runner(name);
      if (!runner || runner.spec.claim !== undefined) this.reserved.delete(name);
    }
  }

  /**
   * The stored version of a runner whose write conflicted. The cache may lag behind a status write the runner
   * reconciler made just as the runner became ready; the runner is still idle then, and the claim retries on it.
   */
  private current(runner: StoredRunner): Promise<StoredRunner | undefined> {
    return this.deps.store.get('Runner', runner.metadata.name);
  }

  private claimable(runner: StoredRunner, revision: string): boolean {
    return (
      runner.spec.claim === undefined &&
      runner.spec.templateRevision === revision &&
      isRunnerRunning(this.deps.observed, runner.metadata.name)
    );
  }
}
