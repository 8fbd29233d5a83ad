/**
 * Nomad allocation (full, event payload or list stub) -> AllocationState. Nomad omits zero values of allocations,
 * so every field is read as optional. OOM kills come from task events' `Details.oom_killed`; reschedule lineage from
 * `PreviousAllocation`/`NextAllocation`, or from the reschedule tracker on stubs (which lack `PreviousAllocation`).
 */
import type {
  AllocatedPort,
  AllocationClientStatus,
  AllocationDesiredStatus,
  AllocationState,
  TaskEvent,
} from '../../../reconcilers/ports';
import { DEFAULT_TASK } from '../../../reconcilers/naming';
import type { NomadAllocation, NomadAllocListStub, NomadTaskEvent, NomadTaskState } from './nomad-wire';

const CLIENT_STATUSES: readonly AllocationClientStatus[] = [
  'pending',
  'running',
  'complete',
  'failed',
  'lost',
  'unknown',
];
const DESIRED_STATUSES: readonly AllocationDesiredStatus[] = ['run', 'stop', 'evict'];

/** Any allocation shape Nomad answers. */
export type AnyNomadAllocation = NomadAllocation | NomadAllocListStub;

/** Maps an allocation; undefined when it lacks an ID or JobID. */
export function allocationStateOf(alloc: AnyNomadAllocation): AllocationState | undefined {
  if (!alloc.ID || !alloc.JobID) return undefined;
  const task: NomadTaskState | undefined = alloc.TaskStates?.[DEFAULT_TASK];
  const previous = previousAllocationOf(alloc);
  const state: AllocationState = {
    id: alloc.ID,
    jobId: alloc.JobID,
    clientStatus: pick(alloc.ClientStatus, CLIENT_STATUSES, 'pending'),
    desiredStatus: pick(alloc.DesiredStatus, DESIRED_STATUSES, 'run'),
    createIndex: alloc.CreateIndex ?? 0,
    modifyIndex: alloc.ModifyIndex ?? 0,
    taskState: task?.State === 'running' || task?.State === 'dead' ? task.State : 'pending',
    restarts: task?.Restarts ?? 0,
    taskEvents: Object.freeze((task?.Events ?? []).map(taskEventOf)),
    ...(previous ? { previousAllocationId: previous } : {}),
    ...(alloc.NextAllocation ? { nextAllocationId: alloc.NextAllocation } : {}),
    ports: Object.freeze(portsOf(alloc)),
  };
  return Object.freeze(state);
}

/** Newest (highest CreateIndex) first, as the port promises. */
export function newestFirst(allocations: readonly AllocationState[]): AllocationState[] {
  return [...allocations].sort((a, b) => b.createIndex - a.createIndex);
}

/** True when every restart of the runner task so far was an OOM kill (the original's `isOOMKilled`). */
export function wasOomKilled(allocation: AllocationState): boolean {
  const kills = allocation.taskEvents.filter((event) => event.oomKilled).length;
  return kills > 0 && kills >= allocation.restarts;
}

function taskEventOf(event: NomadTaskEvent): TaskEvent {
  const details = event.Details ?? {};
  // Every Nomad task event carries ExitCode (0 when not applicable); only exits say something.
  const reported = event.ExitCode || (details.exit_code === undefined ? 0 : Number(details.exit_code));
  const exitCode = event.Type === 'Terminated' || reported !== 0 ? reported : undefined;
  const message = event.DisplayMessage || event.Message || undefined;
  return Object.freeze({
    type: event.Type,
    time: event.Time,
    ...(exitCode !== undefined && Number.isFinite(exitCode) ? { exitCode } : {}),
    ...(details.oom_killed === 'true' ? { oomKilled: true } : {}),
    ...(message ? { message } : {}),
  });
}

function previousAllocationOf(alloc: AnyNomadAllocation): string | undefined {
  if ('PreviousAllocation' in alloc && alloc.PreviousAllocation) return alloc.PreviousAllocation;
  const events = alloc.RescheduleTracker?.Events ?? [];
  return events.length > 0 ? events[events.length - 1]?.PrevAllocID || undefined : undefined;
}

function portsOf(alloc: AnyNomadAllocation): AllocatedPort[] {
  const resources = alloc.AllocatedResources;
  const shared = resources?.Shared?.Ports ?? [];
  if (shared.length > 0) {
    return shared.map((port) => ({
      label: port.Label ?? '',
      value: port.Value ?? 0,
      to: port.To ?? 0,
      hostIp: port.HostIP ?? '',
    }));
  }
  // Legacy task-level networks keep their ports in the task's DynamicPorts.
  const networks = resources?.Tasks?.[DEFAULT_TASK]?.Networks ?? [];
  return networks.flatMap((network) =>
    (network.DynamicPorts ?? []).map((port) => ({
      label: port.Label ?? '',
      value: port.Value ?? 0,
      to: port.To ?? 0,
      hostIp: network.IP ?? '',
    })),
  );
}

function pick<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}
