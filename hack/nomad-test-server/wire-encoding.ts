/**
 * The double's records as Nomad's wire shows them (spec nomad-api.md §1, §4, §5): allocations and evaluations drop
 * zero values; stubs and jobs keep every field; times are integer nanoseconds; nil maps are `null`.
 */
import type {
  NomadAllocation,
  NomadAllocListStub,
  NomadEvaluation,
  NomadJob,
  NomadJobListStub,
} from '../../controllers/backends/nomad/nomad-wire';
import type { components } from '../../controllers/backends/nomad/generated/nomad-api';
import { omitZero } from './go-json';
import { isTerminal, type SimAlloc, type SimEval } from './sim-types';

type Summary = components['schemas']['TaskGroupSummary'];

/** The full allocation (`GET /v1/allocation/:id`; without `Job` in event payloads). */
export function allocationWire(alloc: SimAlloc, withJob: boolean): NomadAllocation {
  const shared = omitZero({ Ports: alloc.Ports.map((port) => omitZero(port)), DiskMB: 10 });
  const tasks = Object.fromEntries(
    (alloc.Job.TaskGroups ?? [])
      .find((group) => group.Name === alloc.TaskGroup)
      ?.Tasks?.map((task) => [
        task.Name,
        {
          Cpu: { CpuShares: task.Resources?.CPU ?? 0 },
          Memory: { MemoryMB: task.Resources?.MemoryMB ?? 0, MemoryMaxMB: task.Resources?.MemoryMaxMB ?? 0 },
          Networks: null,
        },
      ]) ?? [],
  );
  return omitZero({
    ID: alloc.ID,
    Namespace: alloc.Namespace,
    EvalID: alloc.EvalID,
    Name: alloc.Name,
    NodeID: alloc.NodeID,
    NodeName: alloc.NodeName,
    JobID: alloc.JobID,
    Job: withJob ? alloc.Job : undefined,
    TaskGroup: alloc.TaskGroup,
    AllocatedResources: { Tasks: tasks, Shared: shared },
    DesiredStatus: alloc.DesiredStatus,
    DesiredDescription: alloc.DesiredDescription,
    ClientStatus: alloc.ClientStatus,
    ClientDescription: alloc.ClientDescription,
    TaskStates: alloc.TaskStates,
    PreviousAllocation: alloc.PreviousAllocation,
    NextAllocation: alloc.NextAllocation,
    RescheduleTracker: alloc.RescheduleEvents.length > 0 ? { Events: alloc.RescheduleEvents } : undefined,
    FollowupEvalID: alloc.FollowupEvalID,
    CreateIndex: alloc.CreateIndex,
    ModifyIndex: alloc.ModifyIndex,
    AllocModifyIndex: alloc.AllocModifyIndex,
    CreateTime: alloc.CreateTime,
    ModifyTime: alloc.ModifyTime,
  }) as NomadAllocation;
}

/** The list stub: every field present; AllocatedResources only with `resources=true`; no PreviousAllocation. */
export function allocationStub(alloc: SimAlloc, resources: boolean, taskStates: boolean): NomadAllocListStub {
  const full = allocationWire(alloc, false);
  return {
    ID: alloc.ID,
    EvalID: alloc.EvalID,
    Name: alloc.Name,
    Namespace: alloc.Namespace,
    NodeID: alloc.NodeID,
    NodeName: alloc.NodeName,
    JobID: alloc.JobID,
    JobType: alloc.Job.Type,
    JobVersion: alloc.Job.Version,
    TaskGroup: alloc.TaskGroup,
    ...(resources ? { AllocatedResources: full.AllocatedResources ?? null } : {}),
    DesiredStatus: alloc.DesiredStatus,
    DesiredDescription: alloc.DesiredDescription,
    ClientStatus: alloc.ClientStatus,
    ClientDescription: alloc.ClientDescription,
    DesiredTransition: { Migrate: null, Reschedule: null, ForceReschedule: null, NoShutdownDelay: null },
    TaskStates: taskStates ? alloc.TaskStates : null,
    DeploymentStatus: null,
    FollowupEvalID: alloc.FollowupEvalID,
    NextAllocation: alloc.NextAllocation,
    RescheduleTracker: alloc.RescheduleEvents.length > 0 ? { Events: alloc.RescheduleEvents } : null,
    PreemptedAllocations: null,
    PreemptedByAllocation: '',
    CreateIndex: alloc.CreateIndex,
    ModifyIndex: alloc.ModifyIndex,
    CreateTime: alloc.CreateTime,
    ModifyTime: alloc.ModifyTime,
  };
}

/** An evaluation without its zero values. */
export function evaluationWire(evaluation: SimEval): NomadEvaluation {
  return omitZero(evaluation) as NomadEvaluation;
}

/** A job's list stub (`meta=true` adds its Meta when non-empty). */
export function jobStub(job: NomadJob, allocs: readonly SimAlloc[], withMeta: boolean): NomadJobListStub {
  const stub: NomadJobListStub = {
    ID: job.ID,
    ParentID: job.ParentID,
    Name: job.Name,
    Namespace: job.Namespace,
    Datacenters: job.Datacenters,
    NodePool: job.NodePool,
    Multiregion: null,
    Type: job.Type,
    Priority: job.Priority,
    Periodic: job.Periodic !== null && job.Periodic !== undefined,
    ParameterizedJob: job.ParameterizedJob !== null && job.ParameterizedJob !== undefined,
    Stop: job.Stop,
    Status: job.Status,
    StatusDescription: job.StatusDescription,
    JobSummary: jobSummary(job, allocs),
    CreateIndex: job.CreateIndex,
    ModifyIndex: job.ModifyIndex,
    JobModifyIndex: job.JobModifyIndex,
    SubmitTime: job.SubmitTime,
  };
  if (withMeta && job.Meta && Object.keys(job.Meta).length > 0) stub.Meta = job.Meta;
  return stub;
}

function jobSummary(job: NomadJob, allocs: readonly SimAlloc[]): NomadJobListStub['JobSummary'] {
  const summary: Record<string, Summary> = {};
  for (const group of job.TaskGroups ?? []) {
    summary[group.Name] = { Queued: 0, Complete: 0, Failed: 0, Running: 0, Starting: 0, Lost: 0, Unknown: 0 };
  }
  for (const alloc of allocs) {
    const counts = summary[alloc.TaskGroup];
    if (!counts) continue;
    if (alloc.ClientStatus === 'pending') counts.Starting += 1;
    else if (alloc.ClientStatus === 'running') counts.Running += 1;
    else if (alloc.ClientStatus === 'complete') counts.Complete += 1;
    else if (alloc.ClientStatus === 'failed') counts.Failed += 1;
    else if (alloc.ClientStatus === 'lost') counts.Lost += 1;
    else counts.Unknown += 1;
  }
  return {
    JobID: job.ID,
    Namespace: job.Namespace,
    Summary: summary,
    Children: { Pending: 0, Running: 0, Dead: 0 },
    CreateIndex: job.CreateIndex,
    ModifyIndex: job.ModifyIndex,
  };
}

/** Nomad's job status from the job and its allocations and evaluations. */
export function jobStatus(
  job: NomadJob,
  allocs: readonly SimAlloc[],
  hasOpenEval: boolean,
): 'pending' | 'running' | 'dead' {
  if (allocs.some((alloc) => !isTerminal(alloc))) return 'running';
  if (!job.Stop && hasOpenEval) return 'pending';
  if (job.Stop || allocs.length > 0) return 'dead';
  return 'pending';
}
