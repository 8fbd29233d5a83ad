/**
 * Pure helpers for job and allocation values: frozen copies, the comparisons Nomad makes on register, the Nomad-shaped
 * events, and the status a job derives from its newest allocation.
 */
import type {
  AllocationClientStatus,
  AllocationState,
  BackendEvent,
  JobState,
  JobStatus,
  TaskSettings,
} from '../../../../reconcilers/ports';

/** True when two task settings are equal (a difference places a new allocation). */
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

/** True when two meta maps hold the same keys and values. */
export function sameMeta(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/** True for client statuses after which an allocation never runs again. */
export function isTerminal(status: AllocationClientStatus): boolean {
  return status === 'complete' || status === 'failed' || status === 'lost';
}

/** The job status implied by its newest allocation's client status. */
export function jobStatusFor(clientStatus: AllocationClientStatus | undefined): JobStatus {
  if (clientStatus === undefined || clientStatus === 'pending') return 'pending';
  return isTerminal(clientStatus) ? 'dead' : 'running';
}

/** A deeply frozen copy of task settings (unknown fields dropped). */
export function freezeSettings(settings: TaskSettings): TaskSettings {
  return Object.freeze({
    image: settings.image,
    cpuLimit: settings.cpuLimit,
    memoryLimit: settings.memoryLimit,
    networkAccess: settings.networkAccess,
    exposedPorts: Object.freeze([...settings.exposedPorts]),
    ...(settings.forcePull === undefined ? {} : { forcePull: settings.forcePull }),
  });
}

/** A deeply frozen copy of a job. */
export function freezeJob(job: JobState): JobState {
  return Object.freeze({ ...job, settings: freezeSettings(job.settings), meta: Object.freeze({ ...job.meta }) });
}

/** A deeply frozen copy of an allocation. */
export function freezeAllocation(allocation: AllocationState): AllocationState {
  return Object.freeze({
    ...allocation,
    taskEvents: Object.freeze(allocation.taskEvents.map((event) => Object.freeze({ ...event }))),
    ports: Object.freeze(allocation.ports.map((port) => Object.freeze({ ...port }))),
  });
}

/** A Job topic event. */
export function jobEvent(type: 'JobRegistered' | 'JobDeregistered', index: number, job: JobState): BackendEvent {
  return Object.freeze({ topic: 'Job', type, index, key: job.id, job });
}

/** An Allocation topic event carrying the full allocation. */
export function allocationEvent(type: string, index: number, allocation: AllocationState): BackendEvent {
  return Object.freeze({ topic: 'Allocation', type, index, key: allocation.id, allocation });
}

/** An Evaluation topic event. */
export function evaluationEvent(
  type: string,
  index: number,
  evalId: string,
  jobId: string,
  status: string,
): BackendEvent {
  return Object.freeze({ topic: 'Evaluation', type, index, key: evalId, jobId, status });
}

/** Plain string order. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
