/**
 * The double's scheduler decision for one job, as a pure function (in the spirit of Nomad's reconciler): which
 * allocations to place, stop, or update in place. Per allocation name (`job.group[i]`) it looks at the newest
 * allocation: a live one is kept, updated in place, or replaced when its tasks changed (`tasksUpdated`); a lost one
 * or (for service jobs) a completed one is replaced; a failed one is replaced only by its own follow-up evaluation.
 */
import type { NomadJob, NomadTaskGroup } from '../../controllers/backends/nomad/nomad-wire';
import { tasksUpdated } from './job-canonical';
import { isTerminal, type SimAlloc, type SimEval } from './sim-types';

/** One placement; `previous` is the allocation it replaces. */
export interface Placement {
  readonly name: string;
  readonly group: NomadTaskGroup;
  readonly previous?: SimAlloc;
  readonly reason: 'new' | 'destructive-update' | 'reschedule' | 'lost';
}

/** The plan of one evaluation. */
export interface AllocationPlan {
  readonly place: Placement[];
  readonly stop: { readonly alloc: SimAlloc; readonly description: string }[];
  readonly inPlace: SimAlloc[];
}

/** Computes the plan for `job` (undefined or stopped = stop everything) given its allocations. */
export function planAllocations(
  job: NomadJob | undefined,
  allocs: readonly SimAlloc[],
  evaluation: SimEval,
): AllocationPlan {
  const plan: AllocationPlan = { place: [], stop: [], inPlace: [] };
  const live = allocs.filter((alloc) => !isTerminal(alloc) && alloc.DesiredStatus === 'run');
  if (!job || job.Stop) {
    for (const alloc of live) plan.stop.push({ alloc, description: 'alloc not needed due to job update' });
    return plan;
  }
  const required = requiredNames(job);
  for (const alloc of live) {
    if (!required.has(alloc.Name)) plan.stop.push({ alloc, description: 'alloc not needed due to job update' });
  }
  for (const [name, group] of required) {
    const newest = allocs.filter((alloc) => alloc.Name === name).sort((a, b) => b.CreateIndex - a.CreateIndex)[0];
    planName(plan, job, name, group, newest, evaluation);
  }
  return plan;
}

function planName(
  plan: AllocationPlan,
  job: NomadJob,
  name: string,
  group: NomadTaskGroup,
  newest: SimAlloc | undefined,
  evaluation: SimEval,
): void {
  if (!newest) return void plan.place.push({ name, group, reason: 'new' });
  if (!isTerminal(newest) && newest.DesiredStatus === 'run') {
    if (newest.Job.JobModifyIndex === job.JobModifyIndex) return;
    if (tasksUpdated(newest.Job, job, group.Name)) {
      plan.stop.push({ alloc: newest, description: 'alloc is being updated due to job update' });
      plan.place.push({ name, group, previous: newest, reason: 'destructive-update' });
    } else {
      plan.inPlace.push(newest);
    }
    return;
  }
  if (newest.NextAllocation) return;
  if (newest.ClientStatus === 'lost') return void plan.place.push({ name, group, previous: newest, reason: 'lost' });
  if (newest.ClientStatus === 'failed' && newest.FollowupEvalID === evaluation.ID) {
    return void plan.place.push({ name, group, previous: newest, reason: 'reschedule' });
  }
  const done = job.Type === 'batch' || job.Type === 'sysbatch';
  if (newest.ClientStatus === 'complete' && !done) plan.place.push({ name, group, previous: newest, reason: 'new' });
}

function requiredNames(job: NomadJob): Map<string, NomadTaskGroup> {
  const names = new Map<string, NomadTaskGroup>();
  for (const group of job.TaskGroups ?? []) {
    for (let i = 0; i < (group.Count ?? 0); i += 1) names.set(`${job.Name}.${group.Name}[${i}]`, group);
  }
  return names;
}
