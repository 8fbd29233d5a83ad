/**
 * The sources that turn observations into work for the three controllers: changes of desired state (the store's
 * resources), changes of observed state (backend jobs and allocations), and full re-lists of observed state (the
 * periodic safety net, which enqueues every key). Sources only map observations to keys; the one side effect besides
 * enqueueing is telling live sessions that a claimed runner's resource was deleted by someone who gave no cause.
 */
import type { DesiredChange } from '../cache/desired-cache';
import type { DesiredState } from '../../reconcilers/desired-state';
import type { ObservedState, RunnerLossReporter } from '../../reconcilers/ports';
import { changeSource, type Source } from '../runtime/source';
import {
  enqueueEverything,
  enqueueForDesired,
  enqueueForJobs,
  enqueueRunnersOfEnvironment,
  type ReconcileQueues,
} from './enqueue-keys';

/** What {@link controllerSources} subscribes to. */
export interface SourceDeps {
  readonly desired: DesiredState & { onChange(listener: (change: DesiredChange) => void): () => void };
  readonly observed: Pick<ObservedState, 'jobsWithPrefix'> & {
    onChange(listener: (jobIds: readonly string[]) => void): () => void;
    onResync(listener: () => void): () => void;
  };
  readonly queues: ReconcileQueues;
  /** Told when a claimed Runner resource disappears (first report per runner wins, so earlier causes stay). */
  readonly losses: RunnerLossReporter;
}

/** The plain sources of the manager (register them before the caches, so they see the initial announcements). */
export function controllerSources(deps: SourceDeps): Source[] {
  const { desired, observed, queues, losses } = deps;
  return [
    changeSource<DesiredChange>(
      'desired-keys',
      (listener) => desired.onChange(listener),
      (change) => {
        enqueueForDesired(queues, change);
        enqueueRunnersOfEnvironment(queues, desired, observed, change);
        reportDeletedClaim(losses, change);
      },
    ),
    changeSource<readonly string[]>(
      'job-keys',
      (listener) => observed.onChange(listener),
      (ids) => enqueueForJobs(queues, ids),
    ),
    changeSource<void>(
      'resync-keys',
      (listener) => observed.onResync(listener),
      () => enqueueEverything(queues, desired),
    ),
  ];
}

/**
 * A claimed runner whose resource was deleted is gone for its client. Every deletion the service makes reports its
 * cause first (released, inactivityTimeout, ...); a deletion by anyone else (an operator, another replica) counts as
 * `deregistered`, so live executions end with the contract's message instead of waiting for the backend to fail.
 */
function reportDeletedClaim(losses: RunnerLossReporter, change: DesiredChange): void {
  if (change.kind === 'Runner' && change.type === 'deleted' && change.object.spec.claim !== undefined) {
    losses.runnerLost(change.name, 'deregistered');
  }
}
