/**
 * The environment reconciler (key = environment id): keeps the template job `template-<id>` equal to the spec
 * (registered only when its content hash or pool-size meta differs, deregistered when the spec is gone) and writes
 * the environment's status: observedGeneration, templateRevision, conditions and pool counts (skipped when nothing
 * changed). Also publishes the per-environment runner gauges.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { hasErrorCode } from '../../crds/errors';
import type { ResourceStore } from '../../crds/store/store';
import type { DesiredState } from '../desired-state';
import { reconcilerMetrics, type ReconcilerMetrics } from '../metrics/reconciler-metrics';
import { parseEnvironmentKey, templateJobId } from '../naming';
import type { Clock, JobsPort, ObservedState } from '../ports';
import { resultOf, type ReconcileContext, type ReconcileResult, type Reconciler, reconcileLogger } from '../reconciler';
import { applySteps, type StepPorts } from '../shared/apply-steps';
import { Expectations } from '../shared/expectations';
import { describeSteps } from '../shared/steps';
import { environmentStatisticsOf, type EnvironmentStatistics } from '../statistics/pool-statistics';
import { renderTemplateJob, type RenderOptions } from '../template/render-template';
import { statusSteps, templateDigest, type EnvironmentFacts } from './environment-facts';
import { planEnvironment } from './plan-environment';

/** Tunables of the {@link EnvironmentReconciler}. */
export interface EnvironmentReconcilerOptions extends RenderOptions {
  /** `idle / poolSize` below this marks the pool Degraded (`PoolDepleting`); 0 (default) disables it. */
  readonly depletionThreshold?: number;
  /** How long a template write may stay unseen by the cache before it is repeated. Default 30000 ms. */
  readonly expectationTtlMs?: number;
  /** Requeue delay while the observed cache has not synced yet. Default 250 ms. */
  readonly unsyncedRequeueMs?: number;
}

/** Collaborators of the {@link EnvironmentReconciler}. */
export interface EnvironmentReconcilerDeps {
  readonly store: ResourceStore;
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  readonly jobs: JobsPort;
  readonly clock: Clock;
  /** UUID source (reconcile ids). */
  readonly newId: () => string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly options?: EnvironmentReconcilerOptions;
}

/** Reconciles one environment id. */
export class EnvironmentReconciler implements Reconciler {
  readonly name = 'environment';
  private readonly metrics: ReconcilerMetrics;
  private readonly expectations: Expectations;
  private readonly logger: Logger;

  constructor(private readonly deps: EnvironmentReconcilerDeps) {
    this.metrics = reconcilerMetrics(deps.registry);
    this.expectations = new Expectations(deps.options?.expectationTtlMs ?? 30000);
    this.logger = deps.logger.child({ controller: 'environment' });
  }

  async reconcile(key: string, context?: ReconcileContext): Promise<void | ReconcileResult> {
    const environmentId = parseEnvironmentKey(key);
    if (environmentId === undefined) {
      this.logger.warn({ key }, 'ignoring a key that is no environment id');
      return undefined;
    }
    if (!this.deps.observed.synced) return { requeueAfter: this.deps.options?.unsyncedRequeueMs ?? 250 };
    const log = reconcileLogger(this.logger, key, context, this.deps.newId);
    const now = this.deps.clock.now();
    const facts = this.load(environmentId, now, log);
    const plan = planEnvironment(facts);
    if (plan.steps.length > 0) log.debug({ state: plan.state, steps: describeSteps(plan.steps) }, 'plan');
    const ports = { ...this.deps, metrics: this.metrics };
    const applied = await applySteps(ports, 'environment', plan.steps, log).catch(async (error: unknown) => {
      if (isRejection(error)) await this.recordRejection(ports, facts, error, log);
      throw error;
    });
    for (const { step } of applied) {
      if (step.kind === 'registerJob') this.expectations.expect(key, step.expectation, now);
    }
    this.publish(key, facts.statistics);
    if (!facts.environment) this.expectations.forget(key);
    const pending = this.expectations.pending(key, now, () => false).nextExpiry;
    return resultOf(pending === undefined ? undefined : pending - now);
  }

  private load(environmentId: number, now: number, log: Logger): EnvironmentFacts {
    const { desired, observed } = this.deps;
    const environment = desired.environment(environmentId);
    const template = environment ? renderTemplateJob(environment.spec, this.deps.options) : undefined;
    const templateJob = observed.job(templateJobId(environmentId));
    const key = String(environmentId);
    const pending = this.expectations.pending(
      key,
      now,
      (item) => !!templateJob && templateDigest(templateJob.meta) === item,
    );
    if (pending.expired.length > 0) log.warn({ writes: pending.expired }, 'template writes never showed in the cache');
    return {
      environmentId,
      environment,
      template,
      templateJob,
      statistics: environment ? environmentStatisticsOf(environment, desired, observed) : undefined,
      depletionThreshold: this.deps.options?.depletionThreshold ?? 0,
      now,
      pendingWrites: pending.items,
    };
  }

  /**
   * A terminal error (the backend refused the template as invalid) is not retried by the runtime, so it is recorded
   * in the status, where operators see it; the next spec change reconciles again. A failing status write changes
   * nothing about the error, which the caller rethrows.
   */
  private async recordRejection(ports: StepPorts, facts: EnvironmentFacts, error: Error, log: Logger): Promise<void> {
    try {
      await applySteps(ports, 'environment', statusSteps(facts, 'rejected', error.message), log);
    } catch (statusError) {
      log.debug({ err: statusError }, 'could not record the rejection in the status');
    }
  }

  private publish(key: string, statistics: EnvironmentStatistics | undefined): void {
    const labels = { environment_id: key };
    if (!statistics) {
      this.metrics.idleRunners.remove(labels);
      this.metrics.usedRunners.remove(labels);
      this.metrics.desiredIdleRunners.remove(labels);
      return;
    }
    this.metrics.idleRunners.set(labels, statistics.idleRunners);
    this.metrics.usedRunners.set(labels, statistics.usedRunners);
    this.metrics.desiredIdleRunners.set(labels, statistics.prewarmingPoolSize);
  }
}

/** A terminal error: the backend refused a write as invalid, and retrying the same write cannot help. */
function isRejection(error: unknown): error is Error {
  return hasErrorCode(error, 'Invalid') && !error.retryable;
}
