/**
 * Server-side job handling of the double: canonicalisation (Nomad's defaults for omitted fields), validation with
 * Nomad's multierror texts (answered with 500), the "did the definition change" test of re-registration, and the
 * scheduler's destructive-update test (`tasksUpdated`: driver, user, config, env, resources, networks and the task's
 * combined meta — job, group and task meta merged).
 */
import type { NomadJob, NomadJobInput, NomadTask, NomadTaskGroup } from '../../controllers/backends/nomad/nomad-wire';

const SECOND = 1_000_000_000;

/** Fills the defaults Nomad fills (`Canonicalize`); server-owned fields are set by the caller. */
export function canonicalJob(input: NomadJobInput, namespace: string): NomadJob {
  const type = input.Type ?? 'service';
  const groups = (input.TaskGroups ?? []).map((group) => canonicalGroup(group, type));
  return {
    ID: input.ID,
    Name: input.Name || input.ID,
    Namespace: namespace,
    Region: input.Region && input.Region !== 'global' ? input.Region : 'global',
    Type: type,
    Priority: input.Priority ?? 50,
    AllAtOnce: input.AllAtOnce ?? false,
    Datacenters: input.Datacenters && input.Datacenters.length > 0 ? input.Datacenters : ['*'],
    NodePool: input.NodePool || 'default',
    Constraints: input.Constraints ?? null,
    Affinities: input.Affinities ?? null,
    Spreads: input.Spreads ?? null,
    TaskGroups: groups,
    Update: input.Update ?? null,
    Periodic: input.Periodic ?? null,
    ParameterizedJob: input.ParameterizedJob ?? null,
    Payload: input.Payload ?? null,
    Meta: input.Meta ?? null,
    Stop: false,
    ParentID: input.ParentID ?? '',
    Dispatched: false,
    Status: 'pending',
    StatusDescription: '',
    Stable: false,
    Version: 0,
    SubmitTime: 0,
    CreateIndex: 0,
    ModifyIndex: 0,
    JobModifyIndex: 0,
  };
}

function canonicalGroup(group: NomadTaskGroup, type: string): NomadTaskGroup {
  const batch = type === 'batch' || type === 'sysbatch';
  return {
    Name: group.Name,
    Count: group.Count ?? 1,
    Meta: group.Meta ?? null,
    Tasks: (group.Tasks ?? []).map(canonicalTask),
    Networks: group.Networks ?? null,
    RestartPolicy: group.RestartPolicy ?? {
      Attempts: batch ? 3 : 2,
      Interval: batch ? 24 * 3600 * SECOND : 1800 * SECOND,
      Delay: 15 * SECOND,
      Mode: 'fail',
    },
    ReschedulePolicy:
      group.ReschedulePolicy ??
      (batch
        ? { Attempts: 1, Interval: 24 * 3600 * SECOND, Delay: 5 * SECOND, DelayFunction: 'constant', Unlimited: false }
        : {
            Attempts: 0,
            Interval: 0,
            Delay: 30 * SECOND,
            DelayFunction: 'exponential',
            MaxDelay: 3600 * SECOND,
            Unlimited: true,
          }),
    EphemeralDisk: group.EphemeralDisk ?? { Sticky: false, SizeMB: 300, Migrate: false },
    Spreads: group.Spreads ?? null,
    Constraints: group.Constraints ?? null,
  };
}

function canonicalTask(task: NomadTask): NomadTask {
  const resources = task.Resources ?? {};
  return {
    Name: task.Name,
    Driver: task.Driver ?? '',
    User: task.User ?? '',
    Config: task.Config ?? null,
    Env: task.Env ?? null,
    Meta: task.Meta ?? null,
    Resources: {
      CPU: resources.Cores ? 0 : (resources.CPU ?? 100),
      Cores: resources.Cores ?? 0,
      MemoryMB: resources.MemoryMB ?? 300,
      MemoryMaxMB: resources.MemoryMaxMB ?? 0,
      Networks: resources.Networks ?? null,
    },
    RestartPolicy: task.RestartPolicy ?? null,
    KillTimeout: task.KillTimeout ?? 5 * SECOND,
    KillSignal: task.KillSignal ?? '',
    LogConfig: task.LogConfig ?? { MaxFiles: 10, MaxFileSizeMB: 10, Disabled: false },
    Leader: task.Leader ?? false,
  };
}

/** Nomad's validation; the error text (multierror format) or undefined when valid. */
export function validateJob(job: NomadJob): string | undefined {
  const errors: string[] = [];
  if (!['service', 'batch', 'system', 'sysbatch'].includes(job.Type)) errors.push(`Invalid job type: "${job.Type}"`);
  if (job.Priority < 1 || job.Priority > 100) errors.push('job priority must be between [1, 100]');
  if ((job.TaskGroups ?? []).length === 0) errors.push('Missing job task groups');
  for (const group of job.TaskGroups ?? []) {
    const groupErrors = validateGroup(group);
    if (groupErrors.length > 0) errors.push(`Task group ${group.Name} validation failed: ${multierror(groupErrors)}`);
  }
  return errors.length > 0 ? multierror(errors) : undefined;
}

function validateGroup(group: NomadTaskGroup): string[] {
  const errors: string[] = [];
  if (!group.Name) errors.push('Missing task group name');
  if ((group.Count ?? 0) < 0) errors.push('Task group count can\u0027t be negative');
  if ((group.Tasks ?? []).length === 0) errors.push('Missing tasks for task group');
  for (const task of group.Tasks ?? []) {
    const taskErrors: string[] = [];
    if (!task.Driver) taskErrors.push('Missing task driver');
    const resources = task.Resources ?? {};
    if ((resources.CPU ?? 0) < 1 && !resources.Cores)
      taskErrors.push(`minimum CPU value is 1; got ${resources.CPU ?? 0}`);
    if ((resources.MemoryMB ?? 0) < 10) taskErrors.push(`minimum MemoryMB value is 10; got ${resources.MemoryMB ?? 0}`);
    const max = resources.MemoryMaxMB ?? 0;
    if (max !== 0 && max < (resources.MemoryMB ?? 0)) {
      taskErrors.push(`MemoryMaxMB value (${max}) should be larger than MemoryMB value (${resources.MemoryMB})`);
    }
    if (taskErrors.length > 0) errors.push(`Task ${task.Name} validation failed: ${multierror(taskErrors)}`);
  }
  return errors;
}

function multierror(errors: string[]): string {
  const head = errors.length === 1 ? '1 error occurred:' : `${errors.length} errors occurred:`;
  return `${head}\n${errors.map((error) => `\t* ${error}`).join('\n')}\n\n`;
}

/** The user-settable part of a job, for "did the definition change" (server fields excluded). */
export function definitionOf(job: NomadJob): string {
  const {
    Status: _s,
    StatusDescription: _sd,
    Stable: _st,
    Version: _v,
    SubmitTime: _t,
    CreateIndex: _c,
    ModifyIndex: _m,
    JobModifyIndex: _j,
    ...definition
  } = job;
  return stableJson(definition);
}

/** Nomad's `tasksUpdated`: true when the group's allocations must be replaced (not updated in place). */
export function tasksUpdated(a: NomadJob, b: NomadJob, groupName: string): boolean {
  const groupA = (a.TaskGroups ?? []).find((g) => g.Name === groupName);
  const groupB = (b.TaskGroups ?? []).find((g) => g.Name === groupName);
  if (!groupA || !groupB) return true;
  if (stableJson(groupA.Networks) !== stableJson(groupB.Networks)) return true;
  if (stableJson(groupA.EphemeralDisk) !== stableJson(groupB.EphemeralDisk)) return true;
  const tasksA = groupA.Tasks ?? [];
  const tasksB = groupB.Tasks ?? [];
  if (tasksA.length !== tasksB.length) return true;
  return tasksA.some((taskA) => {
    const taskB = tasksB.find((t) => t.Name === taskA.Name);
    if (!taskB) return true;
    const fields = (job: NomadJob, group: NomadTaskGroup, task: NomadTask) =>
      stableJson([task.Driver, task.User, task.Config, task.Env, task.Resources, combinedMeta(job, group, task)]);
    return fields(a, groupA, taskA) !== fields(b, groupB, taskB);
  });
}

/** Job, group and task meta merged (later wins), as Nomad injects them into a task. */
export function combinedMeta(job: NomadJob, group: NomadTaskGroup, task: NomadTask): Record<string, string> {
  return { ...(job.Meta ?? {}), ...(group.Meta ?? {}), ...(task.Meta ?? {}) };
}

/** JSON with sorted object keys (comparison only). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : item,
  );
}
