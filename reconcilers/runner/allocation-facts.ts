/**
 * What a runner job's allocations say about the runner (spec/poseidon-nomad.md section 4.3, reduced to a verdict):
 * not placed yet, starting, running, or lost with a cause. Pure; shared by the runner planner, the claim and the
 * statistics so "claimable" means the same everywhere.
 */
import type { MappedPort } from '../../crds/runner';
import type { AllocationState, JobState, ObservedState, RunnerLossCause } from '../ports';

/** The verdict on a runner job's allocations. */
export type AllocationVerdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'pending'; readonly allocation: AllocationState }
  | { readonly kind: 'running'; readonly allocation: AllocationState }
  | { readonly kind: 'lost'; readonly cause: RunnerLossCause; readonly allocation: AllocationState };

/**
 * Judges a job's allocations (newest first): OOM-killed (an OOM task event of the newest allocation that restarted
 * or stopped), rescheduled (the newest replaces another, or one was replaced), stopped (restarted in place, failed,
 * lost, complete, told to stop, or the job is dead), running, or pending (also for `unknown`: a disconnected client
 * may come back).
 */
export function assessAllocations(
  job: JobState | undefined,
  allocations: readonly AllocationState[],
): AllocationVerdict {
  const allocation = allocations[0];
  if (!allocation) return { kind: 'none' };
  // An OOM kill ends the runner only when it took the task down (restart or stop), as in the original; a program
  // killed inside a task that keeps running leaves the runner usable (spec/poseidon-nomad.md, failure table).
  const oomKilled = allocation.taskEvents.some((event) => event.oomKilled === true);
  if (oomKilled && (allocation.restarts > 0 || allocation.clientStatus !== 'running')) {
    return { kind: 'lost', cause: 'oomKilled', allocation };
  }
  if (allocation.previousAllocationId !== undefined || allocations.some((a) => a.nextAllocationId !== undefined)) {
    return { kind: 'lost', cause: 'rescheduled', allocation };
  }
  // An in-place restart gives the runner a fresh container: its files and processes are gone (the original also
  // destroys the runner then, spec/poseidon-nomad.md section 4.6).
  const stopped =
    allocation.restarts > 0 ||
    allocation.clientStatus === 'failed' ||
    allocation.clientStatus === 'lost' ||
    allocation.clientStatus === 'complete' ||
    allocation.desiredStatus !== 'run' ||
    job?.status === 'dead';
  if (stopped) return { kind: 'lost', cause: 'stoppedUnexpectedly', allocation };
  if (allocation.clientStatus === 'running') return { kind: 'running', allocation };
  return { kind: 'pending', allocation };
}

/** True when the runner's job exists and its allocation runs (the runner can take code). */
export function isRunnerRunning(observed: ObservedState, runnerId: string): boolean {
  const job = observed.job(runnerId);
  if (!job) return false;
  return assessAllocations(job, observed.allocations(runnerId)).kind === 'running';
}

/** The allocation's ports as clients see them: `{exposedPort: to, hostAddress: "hostIp:value"}`. */
export function mappedPortsOf(allocation: AllocationState): MappedPort[] {
  return allocation.ports.map((port) => ({ exposedPort: port.to, hostAddress: `${port.hostIp}:${port.value}` }));
}
