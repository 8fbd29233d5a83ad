/**
 * How changes become work: which reconcile keys a change of desired state (a resource) or of observed state (a
 * backend job) enqueues. Environment and pool keys are the environment id; runner keys are the runner job id.
 */
import type { DesiredChange } from '../cache/desired-cache';
import type { DesiredState } from '../../reconcilers/desired-state';
import { environmentKey, parseRunnerId, parseTemplateJobId, runnerJobPrefix } from '../../reconcilers/naming';
import type { ObservedState } from '../../reconcilers/ports';

/** The queues changes are routed to. */
export interface ReconcileQueues {
  readonly environments: { enqueue(key: string): void };
  readonly pools: { enqueue(key: string): void };
  readonly runners: { enqueue(key: string): void };
}

function environmentChanged(queues: ReconcileQueues, id: number | undefined): void {
  if (id === undefined) return;
  const key = environmentKey(id);
  queues.environments.enqueue(key);
  queues.pools.enqueue(key);
}

/** A resource changed: its environment (and, for a Runner, the runner itself) is reconciled. */
export function enqueueForDesired(queues: ReconcileQueues, change: DesiredChange): void {
  if (change.kind === 'Runner') {
    queues.runners.enqueue(change.name);
    environmentChanged(queues, change.object.spec.environmentId);
    if (change.previous && change.previous.spec.environmentId !== change.object.spec.environmentId) {
      environmentChanged(queues, change.previous.spec.environmentId);
    }
    return;
  }
  environmentChanged(queues, change.object.spec.id);
  if (change.previous && change.previous.spec.id !== change.object.spec.id) {
    environmentChanged(queues, change.previous.spec.id);
  }
}

/** Backend jobs changed: template jobs reconcile their environment; runner jobs their runner and environment. */
export function enqueueForJobs(queues: ReconcileQueues, jobIds: readonly string[]): void {
  for (const id of jobIds) {
    const runnerEnvironment = parseRunnerId(id);
    environmentChanged(queues, parseTemplateJobId(id) ?? runnerEnvironment);
    if (runnerEnvironment !== undefined) queues.runners.enqueue(id);
  }
}

/**
 * The level-triggered safety net after a full re-list of observed state: every environment (environment and pool)
 * and every Runner resource is reconciled again, including those no backend job names (a runner whose job never
 * appeared, an environment whose template job is missing). The queues de-duplicate, so this is cheap.
 */
export function enqueueEverything(queues: ReconcileQueues, desired: DesiredState): void {
  for (const environment of desired.environments()) environmentChanged(queues, environment.spec.id);
  for (const runner of desired.runners()) queues.runners.enqueue(runner.metadata.name);
}

/**
 * An environment appeared, went away or changed its spec: every runner of it is reconciled, the Runner resources and
 * the runner jobs without one. The runner reconciler's decisions depend on the environment (adopting a job the
 * original service left needs the environment to exist; a runner of a deleted environment is destroyed), and a
 * runner job without a resource has no other change that would enqueue it. Status-only writes enqueue nothing here.
 */
export function enqueueRunnersOfEnvironment(
  queues: ReconcileQueues,
  desired: Pick<DesiredState, 'runnersOf'>,
  observed: Pick<ObservedState, 'jobsWithPrefix'>,
  change: DesiredChange,
): void {
  if (change.kind !== 'ExecutionEnvironment') return;
  const previous = change.previous;
  if (change.type === 'modified' && previous?.metadata.generation === change.object.metadata.generation) return;
  const ids = new Set([change.object.spec.id, ...(previous ? [previous.spec.id] : [])]);
  for (const id of ids) {
    for (const runner of desired.runnersOf(id)) queues.runners.enqueue(runner.metadata.name);
    for (const job of observed.jobsWithPrefix(runnerJobPrefix(id))) {
      if (parseRunnerId(job.id) === id) queues.runners.enqueue(job.id);
    }
  }
}
