/**
 * The template every runner and template job is rendered from: the original Poseidon's embedded
 * `template-environment-job.hcl` (spec poseidon-nomad.md §2.2) written as Nomad API JSON (durations in
 * nanoseconds). An operator file can replace it; it must be JSON (`{"Job": {...}}` or the bare job), since no HCL
 * parser exists for Node. Missing groups and tasks are added on render, as the original's helpers do.
 */
import { readFileSync } from 'node:fs';
import { PoseidonError } from '../../../crds/errors';
import { CONFIG_TASK_GROUP, DEFAULT_TASK, DEFAULT_TASK_GROUP } from '../../../reconcilers/naming';
import type { NomadJobInput, NomadTask, NomadTaskGroup } from './nomad-wire';

const SECOND = 1_000_000_000;

/** The built-in template (a fresh copy on every call). */
export function defaultTemplateJob(): NomadJobInput {
  return {
    ID: 'template-0',
    Name: 'template-0',
    Type: 'batch',
    Datacenters: ['dc1'],
    TaskGroups: [defaultTaskGroup(), configTaskGroup()],
  };
}

/** The `default-group` of the built-in template: one idle container running `sleep infinity`. */
export function defaultTaskGroup(): NomadTaskGroup {
  return {
    Name: DEFAULT_TASK_GROUP,
    Count: 1,
    EphemeralDisk: { Migrate: false, SizeMB: 10, Sticky: false },
    Spreads: [{ Attribute: '${node.unique.name}', Weight: 100 }],
    RestartPolicy: { Attempts: 3, Delay: 15 * SECOND, Interval: 3600 * SECOND, Mode: 'fail' },
    ReschedulePolicy: {
      Unlimited: false,
      Attempts: 3,
      Interval: 6 * 3600 * SECOND,
      Delay: 60 * SECOND,
      MaxDelay: 240 * SECOND,
      DelayFunction: 'exponential',
    },
    Tasks: [defaultTask()],
  };
}

/** The runner task: docker, `sleep infinity`, no network, 40 MHz, 50 MB reservation. */
export function defaultTask(): NomadTask {
  return {
    Name: DEFAULT_TASK,
    Driver: 'docker',
    KillTimeout: 0,
    KillSignal: 'SIGKILL',
    Config: {
      image: 'openhpi/docker_exec_phusion',
      command: 'sleep',
      args: ['infinity'],
      network_mode: 'none',
    },
    LogConfig: { MaxFiles: 1, MaxFileSizeMB: 1 },
    Resources: { CPU: 40, MemoryMB: 50 },
  };
}

/** The never-placed `config` group whose meta is Poseidon's persistent state. */
export function configTaskGroup(): NomadTaskGroup {
  return {
    Name: CONFIG_TASK_GROUP,
    Count: 0,
    Meta: { used: 'false', prewarmingPoolSize: '0' },
    Tasks: [
      {
        Name: CONFIG_TASK_GROUP,
        Driver: 'exec',
        Config: { command: 'true' },
        LogConfig: { MaxFiles: 1, MaxFileSizeMB: 1 },
        Resources: { CPU: 1, MemoryMB: 10 },
      },
    ],
  };
}

/**
 * Reads a template file (JSON). Throws `Invalid` with the file name when it cannot be read or is not a job.
 */
export function loadTemplateJob(file: string): NomadJobInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PoseidonError('Invalid', `template job file ${file}: ${(error as Error).message} (JSON is required)`, {
      cause: error,
    });
  }
  const job = isObject(parsed) && isObject(parsed.Job) ? parsed.Job : parsed;
  if (!isObject(job) || (job.TaskGroups !== undefined && job.TaskGroups !== null && !Array.isArray(job.TaskGroups))) {
    throw new PoseidonError('Invalid', `template job file ${file}: expected a Nomad job in API JSON`);
  }
  return { ...job, ID: typeof job.ID === 'string' ? job.ID : 'template-0' } as NomadJobInput;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
