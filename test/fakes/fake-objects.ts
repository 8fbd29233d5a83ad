/**
 * Pure helpers of the fake backend: frozen job and allocation values, events, and the comparisons Nomad makes.
 */
import { PoseidonError } from '../../crds/errors';
import type {
  AllocationClientStatus,
  AllocationState,
  BackendEvent,
  JobState,
  JobStatus,
  TaskEvent,
  TaskSettings,
} from '../../reconcilers/ports';

/** Options of {@link FakeBackend.setAllocationStatus}. */
export interface AllocationStatusOptions {
  exitCode?: number;
  oomKilled?: boolean;
  /** Also set the desired status (for example `stop` for a stop by the scheduler). */
  desiredStatus?: AllocationState['desiredStatus'];
}

/** Throws `Conflict` when `enforceIndex` is set and differs from the job's jobModifyIndex (0 = must not exist). */
export function checkEnforceIndex(id: string, existing: JobState | undefined, enforceIndex: number | undefined): void {
  if (enforceIndex === undefined) return;
  const actual = existing?.jobModifyIndex ?? 0;
  if (actual !== enforceIndex) {
    throw new PoseidonError(
      'Conflict',
      `Enforcing job modify index ${enforceIndex}: job ${id} ${existing ? `has index ${actual}` : 'does not exist'}`,
    );
  }
}

/** True when two task settings are equal (a change restarts the allocation). */
export function sameSettings(a: TaskSettings, b: TaskSettings): boolean {
  return (
    a.image === b.image &&
    a.cpuLimit === b.cpuLimit &&
    a.memoryLimit === b.memoryLimit &&
    a.networkAccess === b.networkAccess &&
    (a.forcePull ?? false) === (b.forcePull ?? false) &&
    a.exposedPorts.length === b.exposedPorts.length &&
    a.exposedPorts.every((port, i) => port === b.exposedPorts[i])
  );
}

/** True when two meta maps are equal. */
export function sameMeta(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** True for client statuses after which an allocation never runs again. */
export function isTerminal(status: AllocationClientStatus): boolean {
  return status === 'complete' || status === 'failed' || status === 'lost';
}

/** The job status implied by its newest allocation's client status. */
export function jobStatusFor(clientStatus: AllocationClientStatus): JobStatus {
  if (clientStatus === 'pending') return 'pending';
  return isTerminal(clientStatus) ? 'dead' : 'running';
}

/** The runner task's state for an allocation client status. */
export function taskStateFor(
  status: AllocationClientStatus,
  previous: AllocationState['taskState'],
): AllocationState['taskState'] {
  if (status === 'pending') return 'pending';
  if (status === 'running') return 'running';
  return status === 'unknown' ? previous : 'dead';
}

/** The task event a client reports when an allocation reaches `status`, if any. */
export function taskEventFor(
  status: AllocationClientStatus,
  time: number,
  options: AllocationStatusOptions,
): TaskEvent | undefined {
  if (status === 'running') return { type: 'Started', time, message: 'Task started by client' };
  if (status === 'complete' || status === 'failed') {
    const exitCode = options.exitCode ?? (status === 'complete' ? 0 : 1);
    return {
      type: 'Terminated',
      time,
      exitCode,
      ...(options.oomKilled ? { oomKilled: true, message: 'OOM Killed' } : {}),
    };
  }
  return undefined;
}

/** The allocation stopped by the scheduler at `index` (desired `stop`, task dead). */
export function stopAllocation(
  alloc: AllocationState,
  index: number,
  time: number,
  clientStatus: AllocationClientStatus = 'complete',
): AllocationState {
  const event: TaskEvent = { type: 'Killed', time, message: 'Task successfully killed' };
  return freezeAlloc({
    ...alloc,
    desiredStatus: 'stop',
    clientStatus: isTerminal(alloc.clientStatus) ? alloc.clientStatus : clientStatus,
    taskState: 'dead',
    modifyIndex: index,
    taskEvents: [...alloc.taskEvents, event].slice(-10),
  });
}

/** A frozen Job event. */
export function jobEvent(type: 'JobRegistered' | 'JobDeregistered', index: number, job: JobState): BackendEvent {
  return Object.freeze({ topic: 'Job', type, index, key: job.id, job });
}

/** A frozen Allocation event. */
export function allocationEvent(type: string, index: number, allocation: AllocationState): BackendEvent {
  return Object.freeze({ topic: 'Allocation', type, index, key: allocation.id, allocation });
}

/** A frozen Evaluation event (`key` is a synthetic eval id). */
export function evaluationEvent(type: string, index: number, jobId: string, status = 'pending'): BackendEvent {
  return Object.freeze({ topic: 'Evaluation', type, index, key: `eval-${index}`, jobId, status });
}

/** A deeply frozen copy of a job. */
export function freezeJob(job: JobState): JobState {
  return Object.freeze({
    ...job,
    settings: Object.freeze({ ...job.settings, exposedPorts: Object.freeze([...job.settings.exposedPorts]) }),
    meta: Object.freeze({ ...job.meta }),
  });
}

/** A deeply frozen copy of an allocation. */
export function freezeAlloc(alloc: AllocationState): AllocationState {
  return Object.freeze({
    ...alloc,
    taskEvents: Object.freeze(alloc.taskEvents.map((e) => Object.freeze({ ...e }))),
    ports: Object.freeze(alloc.ports.map((p) => Object.freeze({ ...p }))),
  });
}

/** Plain string order. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
