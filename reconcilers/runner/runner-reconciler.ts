/**
 * The runner reconciler (key = runner id): converges each Runner resource onto its runner job, enforces the claim's
 * inactivity deadline, destroys lost runners, and deregisters or adopts runner jobs without a resource.
 * Load -> plan (pure, runner machine) -> apply -> "check again at the deadline".
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ResourceStore } from '../../crds/store/store';
import type { DesiredState } from '../desired-state';
import { reconcilerMetrics, type ReconcilerMetrics } from '../metrics/reconciler-metrics';
import { parseRunnerId, parseTemplateJobId } from '../naming';
import type { ActivityClock, Clock, JobsPort, ObservedState, RunnerLossReporter } from '../ports';
import { resultOf, type ReconcileContext, type ReconcileResult, type Reconciler, reconcileLogger } from '../reconciler';
import { applySteps, type AppliedStep } from '../shared/apply-steps';
import { Expectations } from '../shared/expectations';
import { describeSteps } from '../shared/steps';
import { renderTemplateJob, type RenderOptions } from '../template/render-template';
import { assessAllocations } from './allocation-facts';
import { ClaimSightings, inactivityDeadline } from './inactivity';
import { planRunner } from './plan-runner';
import { REGISTER_EXPECTATION, metaDigest, type RunnerFacts } from './runner-facts';

/** Tunables of the {@link RunnerReconciler}. */
export interface RunnerReconcilerOptions extends RenderOptions {
  /** How long a job write may stay unseen by the cache before it is repeated. Default 30000 ms. */
  readonly expectationTtlMs?: number;
  /** Requeue delay while the observed cache has not synced yet. Default 250 ms. */
  readonly unsyncedRequeueMs?: number;
}

/** Collaborators of the {@link RunnerReconciler}. */
export interface RunnerReconcilerDeps {
  readonly store: ResourceStore;
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  readonly jobs: JobsPort;
  readonly losses: RunnerLossReporter;
  readonly activity: ActivityClock;
  readonly clock: Clock;
  /** UUID source (reconcile ids). */
  readonly newId: () => string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly options?: RunnerReconcilerOptions;
}

const FINISHED = new Set(['destroyed', 'gone', 'orphaned', 'ignored']);

/** Reconciles one runner id. */
export class RunnerReconciler implements Reconciler {
  readonly name = 'runner';
  private readonly metrics: ReconcilerMetrics;
  private readonly expectations: Expectations;
  private readonly sightings = new ClaimSightings();
  private readonly logger: Logger;

  constructor(private readonly deps: RunnerReconcilerDeps) {
    this.metrics = reconcilerMetrics(deps.registry);
    this.expectations = new Expectations(deps.options?.expectationTtlMs ?? 30000);
    this.logger = deps.logger.child({ controller: 'runner' });
  }

  async reconcile(key: string, context?: ReconcileContext): Promise<void | ReconcileResult> {
    if (!this.deps.observed.synced) return { requeueAfter: this.deps.options?.unsyncedRequeueMs ?? 250 };
    const log = reconcileLogger(this.logger, key, context, this.deps.newId);
    const now = this.deps.clock.now();
    const facts = this.load(key, now, log);
    const plan = planRunner(facts);
    if (plan.steps.length > 0) log.debug({ state: plan.state, steps: describeSteps(plan.steps) }, 'plan');
    const ports = { ...this.deps, metrics: this.metrics };
    const applied = await applySteps(ports, 'runner', plan.steps, log);
    this.record(key, applied, now);
    if (FINISHED.has(plan.state)) {
      this.sightings.forget(key);
      this.expectations.forget(key);
      return undefined;
    }
    return resultOf(plan.requeueAfter);
  }

  /** Number of runners with in-memory bookkeeping (claim sightings, pending writes), for leak checks. */
  get trackedRunners(): number {
    return Math.max(this.sightings.size, this.expectations.size);
  }

  private load(key: string, now: number, log: Logger): RunnerFacts {
    const { desired, observed } = this.deps;
    const runner = desired.runner(key);
    const isRunnerJobId =
      parseTemplateJobId(key) === undefined && (runner !== undefined || parseRunnerId(key) !== undefined);
    const environmentId = runner?.spec.environmentId ?? parseRunnerId(key);
    const environment = environmentId === undefined ? undefined : desired.environment(environmentId);
    const template = environment ? renderTemplateJob(environment.spec, this.deps.options) : undefined;
    const job = isRunnerJobId ? observed.job(key) : undefined;
    const claim = runner?.spec.claim;
    const deadline = claim
      ? inactivityDeadline(
          claim,
          this.deps.activity.lastActivity(key),
          this.sightings.firstSeen(key, claim.claimedAt, now),
        )
      : undefined;
    const pending = this.expectations.pending(key, now, (item) =>
      item === REGISTER_EXPECTATION ? job !== undefined : job !== undefined && metaDigest(job.meta) === item,
    );
    if (pending.expired.length > 0) log.warn({ writes: pending.expired }, 'job writes never showed in the cache');
    return {
      runnerId: key,
      runner,
      environment,
      template,
      currentRevision: template?.meta.templateHash,
      job,
      allocation: isRunnerJobId ? assessAllocations(job, observed.allocations(key)) : { kind: 'none' },
      now,
      deadline,
      pendingWrites: pending.items,
      pendingExpiry: pending.nextExpiry,
    };
  }

  private record(key: string, applied: readonly AppliedStep[], now: number): void {
    for (const { step } of applied) {
      if (step.kind === 'registerJob') this.expectations.expect(key, step.expectation, now);
    }
  }
}
