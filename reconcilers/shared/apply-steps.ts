/**
 * Applies plan steps: one port call per step, in order, no decisions. Idempotent outcomes are counted and returned;
 * "already done" answers (a delete of a missing resource, a create of an adopted name that exists) are `unchanged`.
 * Any other error stops the loop and is thrown: the runtime backs off and the next reconcile plans again.
 */
import type { Logger } from 'pino';
import { hasErrorCode } from '../../crds/errors';
import { API_GROUP_VERSION } from '../../crds/meta';
import type { ResourceStore } from '../../crds/store/store';
import { countLoss, countOutcome, type ControllerName, type ReconcilerMetrics } from '../metrics/reconciler-metrics';
import { newRunnerId } from '../naming';
import type { JobsPort, RunnerLossReporter } from '../ports';
import type { WriteOutcome } from '../reconciler';
import type { CreateRunnerStep, Step } from './steps';

/** The ports steps are applied through. */
export interface StepPorts {
  readonly store: ResourceStore;
  readonly jobs: JobsPort;
  /** Needed only by plans with `reportLoss` steps. */
  readonly losses?: RunnerLossReporter;
  /** UUID source for fresh runner names. */
  readonly newId: () => string;
  readonly metrics: ReconcilerMetrics;
}

/** A step and what applying it did; `name` is the resource or job it touched. */
export interface AppliedStep {
  readonly step: Step;
  readonly outcome: WriteOutcome;
  readonly name: string;
}

/** Runner creations applied at once: they are independent writes, and a durable store syncs them together. */
const CREATE_BATCH = 32;

/**
 * Applies `steps` in order; logs and counts each write. Consecutive runner creations run concurrently (they are
 * independent, and a durable store commits them in one sync instead of one sync each). Throws the first error that
 * is not "already done", after the steps already in flight settled.
 */
export async function applySteps(
  ports: StepPorts,
  controller: ControllerName,
  steps: readonly Step[],
  logger: Logger,
): Promise<AppliedStep[]> {
  const applied: AppliedStep[] = [];
  for (let i = 0; i < steps.length; ) {
    const batch = nextBatch(steps, i);
    i += batch.length;
    const results = await Promise.allSettled(batch.map((step) => applyStep(ports, step)));
    for (const result of results) {
      if (result.status === 'rejected') throw result.reason;
      applied.push(result.value);
      record(ports, controller, result.value, logger);
    }
  }
  return applied;
}

/** The steps starting at `from` that may run together: a run of runner creations, or else one step. */
function nextBatch(steps: readonly Step[], from: number): readonly Step[] {
  let end = from + 1;
  if (steps[from]?.kind === 'createRunner') {
    while (end < steps.length && end - from < CREATE_BATCH && steps[end]?.kind === 'createRunner') end++;
  }
  return steps.slice(from, end);
}

function record(ports: StepPorts, controller: ControllerName, result: AppliedStep, logger: Logger): void {
  const { step } = result;
  if (step.kind === 'reportLoss') {
    if (result.outcome === 'unchanged') return;
    countLoss(ports.metrics, step.cause);
    logger.info({ runnerId: step.runnerId, cause: step.cause }, 'runner lost');
    return;
  }
  countOutcome(ports.metrics, controller, objectOf(step), result.outcome);
  logger.debug({ step: step.kind, name: result.name, outcome: result.outcome }, 'applied');
}

async function applyStep(ports: StepPorts, step: Step): Promise<AppliedStep> {
  switch (step.kind) {
    case 'registerJob': {
      const options = step.enforceIndex === undefined ? undefined : { enforceIndex: step.enforceIndex };
      await ports.jobs.registerJob(step.job, options);
      return { step, outcome: step.exists ? 'updated' : 'created', name: step.job.id };
    }
    case 'deregisterJob':
      await ports.jobs.deregisterJob(step.jobId);
      return { step, outcome: 'deleted', name: step.jobId };
    case 'createRunner':
      return createRunner(ports, step);
    case 'deleteRunner':
      return deleteRunner(ports, step);
    case 'reportLoss': {
      // `created`: a loss reported for the first time; `unchanged`: someone reported this runner already.
      const first = ports.losses?.runnerLost(step.runnerId, step.cause) !== false;
      return { step, outcome: first ? 'created' : 'unchanged', name: step.runnerId };
    }
    case 'writeRunnerStatus':
      await ports.store.updateStatus('Runner', step.name, step.resourceVersion, step.status);
      return { step, outcome: 'updated', name: step.name };
    case 'writeEnvironmentStatus':
      await ports.store.updateStatus('ExecutionEnvironment', step.name, step.resourceVersion, step.status);
      return { step, outcome: 'updated', name: step.name };
  }
}

async function createRunner(ports: StepPorts, step: CreateRunnerStep): Promise<AppliedStep> {
  const name = step.name ?? newRunnerId(step.environmentId, ports.newId);
  const spec = {
    environmentId: step.environmentId,
    templateRevision: step.templateRevision,
    ...(step.claim ? { claim: { ...step.claim } } : {}),
  };
  try {
    await ports.store.create('Runner', { apiVersion: API_GROUP_VERSION, kind: 'Runner', metadata: { name }, spec });
  } catch (error) {
    if (step.name !== undefined && hasErrorCode(error, 'AlreadyExists')) return { step, outcome: 'unchanged', name };
    throw error;
  }
  return { step, outcome: 'created', name };
}

async function deleteRunner(ports: StepPorts, step: Step & { kind: 'deleteRunner' }): Promise<AppliedStep> {
  const options = step.resourceVersion === undefined ? undefined : { resourceVersion: step.resourceVersion };
  try {
    await ports.store.delete('Runner', step.name, options);
  } catch (error) {
    if (hasErrorCode(error, 'NotFound')) return { step, outcome: 'unchanged', name: step.name };
    throw error;
  }
  return { step, outcome: 'deleted', name: step.name };
}

function objectOf(step: Exclude<Step, { kind: 'reportLoss' }>) {
  switch (step.kind) {
    case 'registerJob':
    case 'deregisterJob':
      return step.object;
    case 'createRunner':
    case 'deleteRunner':
      return 'Runner' as const;
    case 'writeRunnerStatus':
      return 'RunnerStatus' as const;
    case 'writeEnvironmentStatus':
      return 'EnvironmentStatus' as const;
  }
}
