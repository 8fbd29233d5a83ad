/**
 * Pure transitions of one allocation, each returning a new frozen value stamped with the index of the write and the
 * task events a Nomad client would report for it. Task events keep the last 10, as Nomad does.
 */
import type { AllocatedPort, AllocationState, TaskEvent } from '../../../../reconcilers/ports';
import { freezeAllocation, isTerminal } from './job-objects';

const MAX_TASK_EVENTS = 10;

function withEvents(allocation: AllocationState, events: readonly TaskEvent[]): readonly TaskEvent[] {
  return [...allocation.taskEvents, ...events].slice(-MAX_TASK_EVENTS);
}

/** What a new placement needs. */
export interface Placement {
  readonly id: string;
  readonly jobId: string;
  readonly index: number;
  /** Unix nanoseconds. */
  readonly time: number;
  readonly previousAllocationId?: string;
}

/** A freshly placed allocation: pending, task received. */
export function placedAllocation(placement: Placement): AllocationState {
  return freezeAllocation({
    id: placement.id,
    jobId: placement.jobId,
    clientStatus: 'pending',
    desiredStatus: 'run',
    createIndex: placement.index,
    modifyIndex: placement.index,
    taskState: 'pending',
    restarts: 0,
    taskEvents: [{ type: 'Received', time: placement.time, message: 'Task received by client' }],
    ports: [],
    ...(placement.previousAllocationId ? { previousAllocationId: placement.previousAllocationId } : {}),
  });
}

/** The sandbox is prepared: the task runs, with its published ports. */
export function runningAllocation(
  allocation: AllocationState,
  index: number,
  time: number,
  ports: readonly AllocatedPort[],
): AllocationState {
  return freezeAllocation({
    ...allocation,
    clientStatus: 'running',
    taskState: 'running',
    modifyIndex: index,
    ports,
    taskEvents: withEvents(allocation, [
      { type: 'Task Setup', time, message: 'Building Task Directory' },
      { type: 'Started', time, message: 'Task started by client' },
    ]),
  });
}

/** Stopped by the scheduler (deregister or replacement): desired stop, complete, task killed. */
export function stoppedAllocation(
  allocation: AllocationState,
  index: number,
  time: number,
  nextAllocationId?: string,
): AllocationState {
  const terminal = isTerminal(allocation.clientStatus);
  return freezeAllocation({
    ...allocation,
    desiredStatus: 'stop',
    clientStatus: terminal ? allocation.clientStatus : 'complete',
    taskState: 'dead',
    modifyIndex: index,
    taskEvents: terminal
      ? allocation.taskEvents
      : withEvents(allocation, [
          { type: 'Killing', time, message: 'Sent interrupt' },
          { type: 'Killed', time, message: 'Task successfully killed' },
        ]),
    ...(nextAllocationId ? { nextAllocationId } : {}),
  });
}

/** The sandbox broke (workspace gone, setup failed): the allocation failed and is not restarted. */
export function failedAllocation(
  allocation: AllocationState,
  index: number,
  time: number,
  message: string,
  type: 'Terminated' | 'Setup Failure' = 'Terminated',
): AllocationState {
  return freezeAllocation({
    ...allocation,
    clientStatus: 'failed',
    taskState: 'dead',
    modifyIndex: index,
    taskEvents: withEvents(allocation, [
      { type, time, exitCode: 1, message },
      { type: 'Not Restarting', time, message: 'Error was unrecoverable' },
    ]),
  });
}

/** The kernel OOM-killed a process of the allocation (its memory cgroup hit the limit). */
export function oomKilledAllocation(allocation: AllocationState, index: number, time: number): AllocationState {
  return freezeAllocation({
    ...allocation,
    modifyIndex: index,
    taskEvents: withEvents(allocation, [
      { type: 'Terminated', time, exitCode: 137, oomKilled: true, message: 'OOM Killed' },
    ]),
  });
}
