/**
 * Nomad job (full or list stub) -> JobState. A full job is read from its groups (`default-task` settings, `config`
 * meta), which also covers jobs of the original Go service. A stub is enough only when its job-level Meta was written
 * by this project in the same register that created the job (`JobModifyIndex == CreateIndex`); otherwise the caller
 * must read the job.
 */
import type { JobState, JobStatus, TaskSettings } from '../../../reconcilers/ports';
import { CONFIG_TASK_GROUP, DEFAULT_TASK, DEFAULT_TASK_GROUP } from '../../../reconcilers/naming';
import { JOB_META_SETTINGS } from './render-job';
import type { NomadJob, NomadJobListStub, NomadTask, NomadTaskGroup } from './nomad-wire';

/** The state of a full job. */
export function jobStateFromJob(job: NomadJob): JobState {
  const groups = job.TaskGroups ?? [];
  const group = groups.find((g) => g.Name === DEFAULT_TASK_GROUP);
  const task = group?.Tasks?.find((t) => t.Name === DEFAULT_TASK);
  const config = groups.find((g) => g.Name === CONFIG_TASK_GROUP);
  return freeze({
    id: job.ID,
    settings: settingsOf(group, task),
    meta: { ...(config?.Meta ?? {}) },
    status: statusOf(job.Status),
    createIndex: job.CreateIndex,
    modifyIndex: job.ModifyIndex,
    jobModifyIndex: job.JobModifyIndex,
    version: job.Version,
  });
}

/** The state of a stub, or undefined when its job-level Meta cannot be trusted (read the job instead). */
export function jobStateFromStub(stub: NomadJobListStub): JobState | undefined {
  const meta = stub.Meta ?? {};
  const settings = parseSettings(meta[JOB_META_SETTINGS]);
  if (!settings || stub.JobModifyIndex !== stub.CreateIndex) return undefined;
  const configMeta = Object.fromEntries(Object.entries(meta).filter(([key]) => key !== JOB_META_SETTINGS));
  return freeze({
    id: stub.ID,
    settings,
    meta: configMeta,
    status: statusOf(stub.Status),
    createIndex: stub.CreateIndex,
    modifyIndex: stub.ModifyIndex,
    jobModifyIndex: stub.JobModifyIndex,
    version: 0,
  });
}

/** Reads settings back from the job-level meta value, or undefined when absent or malformed. */
export function parseSettings(text: string | undefined): TaskSettings | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const ports = value.exposedPorts;
    if (
      typeof value.image !== 'string' ||
      typeof value.cpuLimit !== 'number' ||
      typeof value.memoryLimit !== 'number' ||
      typeof value.networkAccess !== 'boolean' ||
      !Array.isArray(ports) ||
      !ports.every((port) => Number.isInteger(port))
    ) {
      return undefined;
    }
    return {
      image: value.image,
      cpuLimit: value.cpuLimit,
      memoryLimit: value.memoryLimit,
      networkAccess: value.networkAccess,
      exposedPorts: ports as number[],
      forcePull: value.forcePull === true,
    };
  } catch {
    return undefined;
  }
}

function settingsOf(group: NomadTaskGroup | undefined, task: NomadTask | undefined): TaskSettings {
  const config = (task?.Config ?? {}) as Record<string, unknown>;
  const ports = (group?.Networks ?? []).flatMap((network) => network.DynamicPorts ?? []);
  const networkMode = typeof config.network_mode === 'string' ? config.network_mode : '';
  return {
    image: typeof config.image === 'string' ? config.image : '',
    cpuLimit: task?.Resources?.CPU ?? 0,
    memoryLimit: task?.Resources?.MemoryMaxMB ?? 0,
    networkAccess: networkMode !== 'none',
    exposedPorts: ports.map((port) => port.To ?? 0).filter((port) => port > 0),
    forcePull: config.force_pull === true,
  };
}

function statusOf(status: string | undefined): JobStatus {
  return status === 'running' || status === 'dead' ? status : 'pending';
}

function freeze(state: JobState): JobState {
  Object.freeze(state.settings.exposedPorts);
  Object.freeze(state.settings);
  Object.freeze(state.meta);
  return Object.freeze(state);
}
