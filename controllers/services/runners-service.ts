/**
 * The API's view of claimed runners, built on the desired-state cache (which runners are claimed), the store (claims
 * and releases are writes of Runner resources) and the loss bus (live sessions learn why their runner went away).
 */
import type { ClaimedRunner, RunnersService } from '../../api/ports';
import { PoseidonError, hasErrorCode } from '../../crds/errors';
import type { MappedPort } from '../../crds/runner';
import type { ResourceStore } from '../../crds/store/store';
import type { DesiredState, StoredRunner } from '../../reconcilers/desired-state';
import type { ObservedState, RunnerLossCause } from '../../reconcilers/ports';
import type { ActivityTracker } from './activity-tracker';
import type { RunnerLossBus } from './runner-loss-bus';

/** Writes a claim on an idle runner (one check-and-set) and returns the claimed resource. */
export type ClaimFunction = (environmentId: number, inactivityTimeoutSeconds: number) => Promise<StoredRunner>;

/** Collaborators of {@link ControllerRunnersService}. */
export interface RunnersServiceDeps {
  store: ResourceStore;
  desired: DesiredState;
  observed: ObservedState;
  activity: ActivityTracker;
  losses: RunnerLossBus;
  claim: ClaimFunction;
}

/** {@link RunnersService} over the controller's store and caches. */
export class ControllerRunnersService implements RunnersService {
  constructor(private readonly deps: RunnersServiceDeps) {}

  async claim(environmentId: number, inactivityTimeoutSeconds: number): Promise<ClaimedRunner> {
    const runner = await this.deps.claim(environmentId, inactivityTimeoutSeconds);
    this.deps.activity.touch(runner.metadata.name);
    return this.view(runner);
  }

  get(runnerId: string): ClaimedRunner | undefined {
    const runner = this.deps.desired.runner(runnerId);
    if (!runner?.spec.claim || this.deps.losses.causeOf(runnerId) !== undefined) return undefined;
    return this.view(runner);
  }

  async release(runnerId: string): Promise<void> {
    await this.destroy(runnerId, 'released');
  }

  touch(runnerId: string): void {
    this.deps.activity.touch(runnerId);
  }

  onGone(runnerId: string, listener: (cause: RunnerLossCause) => void): () => void {
    return this.deps.losses.subscribe(runnerId, listener);
  }

  async destroy(runnerId: string, cause: RunnerLossCause): Promise<void> {
    if (!this.get(runnerId)) throw gone();
    this.deps.losses.runnerLost(runnerId, cause);
    this.deps.activity.forget(runnerId);
    try {
      await this.deps.store.delete('Runner', runnerId);
    } catch (error) {
      if (!hasErrorCode(error, 'NotFound')) throw error;
    }
  }

  private view(runner: StoredRunner): ClaimedRunner {
    return {
      id: runner.metadata.name,
      environmentId: runner.spec.environmentId,
      mappedPorts: this.mappedPorts(runner),
    };
  }

  private mappedPorts(runner: StoredRunner): readonly MappedPort[] {
    if (runner.status?.mappedPorts) return runner.status.mappedPorts;
    const allocation = this.deps.observed.allocations(runner.metadata.name)[0];
    return (allocation?.ports ?? []).map((port) => ({
      exposedPort: port.to,
      hostAddress: `${port.hostIp}:${port.value}`,
    }));
  }
}

function gone(): PoseidonError {
  return new PoseidonError('RunnerGone', 'no runner found with this id');
}
