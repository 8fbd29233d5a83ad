/**
 * The pool reconciler (key = environment id): keeps exactly `prewarmingPoolSize` idle Runner resources of the
 * environment's current template revision, as a ReplicaSet keeps pods. Creations and deletions in flight are
 * counted until the desired-state cache shows them (expectations, with expiry), so a lagging cache never
 * over-creates. Load -> plan (pure, pool machine) -> apply -> record expectations.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ResourceStore } from '../../crds/store/store';
import type { DesiredState, StoredRunner } from '../desired-state';
import { reconcilerMetrics, type ReconcilerMetrics } from '../metrics/reconciler-metrics';
import {
  META_TEMPLATE_HASH,
  META_USED,
  META_USED_TRUE,
  parseEnvironmentKey,
  parseRunnerId,
  runnerJobPrefix,
  templateJobId,
} from '../naming';
import type { Clock, JobsPort, ObservedState, RunnerLossReporter } from '../ports';
import {
  earliestRequeue,
  resultOf,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  reconcileLogger,
} from '../reconciler';
import { isRunnerRunning } from '../runner/allocation-facts';
import { applySteps, type AppliedStep } from '../shared/apply-steps';
import { Expectations } from '../shared/expectations';
import { describeSteps } from '../shared/steps';
import { renderTemplateJob, type RenderOptions } from '../template/render-template';
import { settingsRevision } from '../template/template-revision';
import { planPool } from './plan-pool';
import type { PoolFacts, PoolRunner } from './pool-facts';

/** Tunables of the {@link PoolReconciler}. */
export interface PoolReconcilerOptions extends RenderOptions {
  /** Most runners created by one reconcile (a bounded burst); the reconcile requeues for the rest. Default 16. */
  readonly maxCreationsPerReconcile?: number;
  /** How long a creation or deletion may stay unseen by the cache before it no longer counts. Default 60000 ms. */
  readonly expectationTtlMs?: number;
  /** Delay before the next burst of creations. Default 1 ms. */
  readonly burstRequeueMs?: number;
  /** Requeue delay while the observed cache has not synced yet. Default 250 ms. */
  readonly unsyncedRequeueMs?: number;
}

/** Collaborators of the {@link PoolReconciler}. */
export interface PoolReconcilerDeps {
  readonly store: ResourceStore;
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  readonly jobs: JobsPort;
  /** Told about claimed runners the pool destroys (environment deleted, isolation narrowed). */
  readonly losses: RunnerLossReporter;
  readonly clock: Clock;
  /** UUID source: fresh runner ids (naming.newRunnerId) and reconcile ids. */
  readonly newId: () => string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly options?: PoolReconcilerOptions;
}

/** Reconciles the pool of one environment id. */
export class PoolReconciler implements Reconciler {
  readonly name = 'pool';
  private readonly metrics: ReconcilerMetrics;
  private readonly expectations: Expectations;
  private readonly logger: Logger;

  constructor(private readonly deps: PoolReconcilerDeps) {
    this.metrics = reconcilerMetrics(deps.registry);
    this.expectations = new Expectations(deps.options?.expectationTtlMs ?? 60000);
    this.logger = deps.logger.child({ controller: 'pool' });
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
    const { facts, nextExpiry } = this.load(environmentId, now, log);
    const plan = planPool(facts);
    if (plan.steps.length > 0) log.debug({ state: plan.state, steps: describeSteps(plan.steps) }, 'plan');
    const applied = await applySteps({ ...this.deps, metrics: this.metrics }, 'pool', plan.steps, log);
    this.record(environmentId, applied, now);
    const burst = plan.moreToCreate ? (this.deps.options?.burstRequeueMs ?? 1) : undefined;
    return resultOf(earliestRequeue(burst, nextExpiry === undefined ? undefined : nextExpiry - now));
  }

  private load(environmentId: number, now: number, log: Logger): { facts: PoolFacts; nextExpiry: number | undefined } {
    const { desired, observed } = this.deps;
    const environment = desired.environment(environmentId);
    const template = environment ? renderTemplateJob(environment.spec, this.deps.options) : undefined;
    const templateJob = observed.job(templateJobId(environmentId));
    const revision = template?.meta[META_TEMPLATE_HASH];
    const deletions = this.expectations.pending(`delete:${environmentId}`, now, (name) => !desired.runner(name));
    const creations = this.expectations.pending(`create:${environmentId}`, now, (name) => !!desired.runner(name));
    const expired = [...deletions.expired, ...creations.expired];
    if (expired.length > 0) log.warn({ runners: expired }, 'pool writes never showed in the cache');
    const deleting = new Set(deletions.items);
    const runners = desired
      .runnersOf(environmentId)
      .filter((runner) => !deleting.has(runner.metadata.name))
      .map((runner) => this.poolRunner(runner));
    const facts: PoolFacts = {
      environmentId,
      environment,
      currentRevision: revision,
      currentSettings: template?.settings,
      templateReady:
        revision !== undefined && templateJob?.meta[META_TEMPLATE_HASH] === revision && templateJob.status !== 'dead',
      runners,
      pendingCreations: creations.items.length + this.adoptableIdleJobs(environmentId, revision),
      maxCreations: this.deps.options?.maxCreationsPerReconcile ?? 16,
    };
    return { facts, nextExpiry: earliestRequeue(deletions.nextExpiry, creations.nextExpiry) };
  }

  /**
   * Idle runner jobs of the original service that the runner reconciler is about to adopt as idle runners of the
   * current revision: counted like creations in flight, so adoption after a migration causes no churn.
   */
  private adoptableIdleJobs(environmentId: number, revision: string | undefined): number {
    if (revision === undefined) return 0;
    let count = 0;
    for (const job of this.deps.observed.jobsWithPrefix(runnerJobPrefix(environmentId))) {
      const foreign = job.meta[META_TEMPLATE_HASH] === undefined && job.meta[META_USED] !== META_USED_TRUE;
      if (!foreign || job.status === 'dead' || parseRunnerId(job.id) !== environmentId) continue;
      if (!this.deps.desired.runner(job.id) && settingsRevision(job.settings) === revision) count++;
    }
    return count;
  }

  private poolRunner(runner: StoredRunner): PoolRunner {
    const name = runner.metadata.name;
    return {
      name,
      resourceVersion: runner.metadata.resourceVersion,
      templateRevision: runner.spec.templateRevision,
      claimed: runner.spec.claim !== undefined,
      running: isRunnerRunning(this.deps.observed, name),
      jobSettings: this.deps.observed.job(name)?.settings,
      createdAt: runner.metadata.creationTimestamp ?? '',
    };
  }

  private record(environmentId: number, applied: readonly AppliedStep[], now: number): void {
    for (const { step, outcome, name } of applied) {
      if (step.kind === 'createRunner' && outcome === 'created') {
        this.expectations.expect(`create:${environmentId}`, name, now);
      } else if (step.kind === 'deleteRunner' && outcome === 'deleted') {
        this.expectations.expect(`delete:${environmentId}`, name, now);
      }
    }
  }
}
