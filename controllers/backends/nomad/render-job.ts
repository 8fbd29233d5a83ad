/**
 * JobSpec -> Nomad job (API JSON), as the original Poseidon derives runner and template jobs from its template
 * (spec poseidon-nomad.md §2.2-2.6): ID and Name, the runner task's image, `sleep infinity`, CPU, `memory_max`,
 * network and dynamic ports labelled by port number, `force_pull`, and the `config` group's meta.
 *
 * Job-level `Meta` carries the config meta and the task settings too, so one `GET /v1/jobs?meta=true` recovers jobs
 * without reading each. Nomad merges job-level Meta into every task's meta, and a changed task meta is a
 * destructive update (the allocation is replaced). So job-level Meta is written only when the runner task changes
 * anyway (creation, new settings); a meta-only register keeps the job-level Meta it finds (`keepJobMeta`), and the
 * claim goes to the `config` group alone, as in the original. See README "Job-level meta".
 */
import type { JobSpec, TaskSettings } from '../../../reconcilers/ports';
import { CONFIG_TASK_GROUP, DEFAULT_TASK, DEFAULT_TASK_GROUP } from '../../../reconcilers/naming';
import { configTaskGroup, defaultTask, defaultTaskGroup } from './job-template';
import type { NomadNetworkOptions } from './nomad-backend-options';
import type { NomadJobInput, NomadNetworkResource, NomadTask, NomadTaskGroup } from './nomad-wire';

/** Job-level meta key holding the runner task's settings (canonical JSON); its presence marks this project's jobs. */
export const JOB_META_SETTINGS = 'poseidon.settings';

/** What rendering needs besides the spec. */
export interface RenderContext {
  readonly template: NomadJobInput;
  readonly namespace: string;
  readonly network: NomadNetworkOptions;
  readonly disableForcePull: boolean;
}

/**
 * Renders `spec` onto a copy of the template. `keepJobMeta`: the job-level Meta to send unchanged (a meta-only
 * update of an existing job); without it the job-level Meta is rendered fresh from the spec.
 */
export function renderJob(spec: JobSpec, context: RenderContext, keepJobMeta?: Record<string, string>): NomadJobInput {
  const job = structuredClone(context.template);
  job.ID = spec.id;
  job.Name = spec.id;
  job.Namespace = context.namespace;
  const groups = (job.TaskGroups ??= []);
  const group = findOrAdd(groups, DEFAULT_TASK_GROUP, defaultTaskGroup);
  const task = findOrAdd((group.Tasks ??= []), DEFAULT_TASK, defaultTask);
  applySettings(group, task, spec.settings, context);
  const config = findOrAdd(groups, CONFIG_TASK_GROUP, configTaskGroup);
  config.Count = 0;
  config.Meta = { ...spec.meta };
  job.Meta = keepJobMeta ? { ...keepJobMeta } : renderJobMeta(spec, job.Meta ?? undefined);
  return job;
}

/** The job-level Meta of a freshly rendered job: template meta, the config meta, and the settings. */
export function renderJobMeta(spec: JobSpec, templateMeta?: Record<string, string>): Record<string, string> {
  return { ...(templateMeta ?? {}), ...spec.meta, [JOB_META_SETTINGS]: settingsJson(spec.settings) };
}

/** Canonical JSON of task settings (fixed key order, sorted ports), comparable as a string. */
export function settingsJson(settings: TaskSettings): string {
  return JSON.stringify({
    image: settings.image,
    cpuLimit: settings.cpuLimit,
    memoryLimit: settings.memoryLimit,
    networkAccess: settings.networkAccess,
    exposedPorts: [...settings.exposedPorts].sort((a, b) => a - b),
    forcePull: settings.forcePull ?? false,
  });
}

function applySettings(group: NomadTaskGroup, task: NomadTask, settings: TaskSettings, context: RenderContext): void {
  const config: Record<string, unknown> = { ...(task.Config ?? {}) };
  config.image = settings.image;
  config.command = 'sleep';
  config.args = ['infinity'];
  if (context.disableForcePull) delete config.force_pull;
  else config.force_pull = settings.forcePull ?? false;
  const resources = { ...(task.Resources ?? {}) };
  resources.CPU = settings.cpuLimit;
  const reservation = resources.MemoryMB ?? 50;
  if (settings.memoryLimit > 0) {
    resources.MemoryMaxMB = settings.memoryLimit;
    // Nomad rejects a hard limit below the reservation; a small limit lowers the reservation with it.
    resources.MemoryMB = Math.min(reservation, settings.memoryLimit);
  } else {
    delete resources.MemoryMaxMB;
    resources.MemoryMB = reservation;
  }
  task.Resources = resources;
  if (settings.networkAccess && context.network.mode !== 'none') {
    config.network_mode = '';
    group.Networks = [groupNetwork(settings.exposedPorts, context.network)];
  } else {
    config.network_mode = 'none';
    group.Networks = [];
  }
  task.Config = config;
}

function groupNetwork(ports: readonly number[], network: NomadNetworkOptions): NomadNetworkResource {
  const resource: NomadNetworkResource = {
    Mode: network.mode,
    DynamicPorts: [...ports].sort((a, b) => a - b).map((port) => ({ Label: String(port), To: port })),
  };
  if (network.hostname) resource.Hostname = network.hostname;
  const dns = network.dns;
  if (dns && (dns.servers?.length || dns.searches?.length || dns.options?.length)) {
    resource.DNS = { Servers: dns.servers ?? [], Searches: dns.searches ?? [], Options: dns.options ?? [] };
  }
  return resource;
}

function findOrAdd<T extends { Name: string }>(items: T[], name: string, create: () => T): T {
  const found = items.find((item) => item.Name === name);
  if (found) return found;
  const fresh = create();
  items.push(fresh);
  return fresh;
}
