/**
 * Pure builders from an environment spec to its template job and from the template to a runner's job
 * (spec/poseidon-nomad.md sections 2.2 to 2.6): what the environment and runner reconcilers register.
 */
import type { ExecutionEnvironmentSpec } from '../../crds/execution-environment';
import type { RunnerSpec } from '../../crds/runner';
import type { DeepReadonly } from '../../crds/resources';
import {
  META_CLAIMED_AT,
  META_POOL_SIZE,
  META_TEMPLATE_HASH,
  META_TIMEOUT,
  META_USED,
  META_USED_FALSE,
  META_USED_TRUE,
  formatTimeoutMeta,
  templateJobId,
} from '../naming';
import type { JobSpec, TaskSettings } from '../ports';
import { settingsRevision } from './template-revision';

/** Options of template rendering. */
export interface RenderOptions {
  /** Never set `forcePull` (the original's `nomad.disableforcepull`). Default false: templates force a pull. */
  readonly disableForcePull?: boolean;
}

type EnvironmentSpec = DeepReadonly<ExecutionEnvironmentSpec>;

/** The task settings of an environment (exposed ports only with network access, sorted, without duplicates). */
export function renderSettings(spec: EnvironmentSpec): TaskSettings {
  const exposedPorts = spec.networkAccess ? [...new Set(spec.exposedPorts)].sort((a, b) => a - b) : [];
  return {
    image: spec.image,
    cpuLimit: spec.cpuLimit,
    memoryLimit: spec.memoryLimit,
    networkAccess: spec.networkAccess,
    exposedPorts,
  };
}

/** The environment's current template revision (a content hash of its rendered settings). */
export function templateRevision(spec: EnvironmentSpec): string {
  return settingsRevision(renderSettings(spec));
}

/**
 * The template job `template-<id>`: the environment's settings (forcing a pull unless disabled) and the `config`
 * meta `used: "false"`, `prewarmingPoolSize` and `templateHash`.
 */
export function renderTemplateJob(spec: EnvironmentSpec, options: RenderOptions = {}): JobSpec {
  const settings = renderSettings(spec);
  return {
    id: templateJobId(spec.id),
    settings: { ...settings, forcePull: !options.disableForcePull },
    meta: {
      [META_USED]: META_USED_FALSE,
      [META_POOL_SIZE]: String(spec.prewarmingPoolSize),
      [META_TEMPLATE_HASH]: settingsRevision(settings),
    },
  };
}

/**
 * The `config` meta of a runner job: `used` mirrors the claim, `timeout` and `claimedAt` record it (as the original
 * records `timeout`), `templateHash` names the revision the job was made from.
 */
export function runnerJobMeta(spec: DeepReadonly<RunnerSpec>, revision: string): Record<string, string> {
  if (!spec.claim) return { [META_USED]: META_USED_FALSE, [META_TEMPLATE_HASH]: revision };
  return {
    [META_USED]: META_USED_TRUE,
    [META_TIMEOUT]: formatTimeoutMeta(spec.claim.inactivityTimeout),
    [META_CLAIMED_AT]: spec.claim.claimedAt,
    [META_TEMPLATE_HASH]: revision,
  };
}

/**
 * The job of runner `runnerId`, derived from the rendered template: its settings without a forced pull (the
 * template already pulled the image) and a fresh `config` meta mirroring the runner's claim.
 */
export function renderRunnerJob(template: JobSpec, runnerId: string, spec: DeepReadonly<RunnerSpec>): JobSpec {
  const revision = template.meta[META_TEMPLATE_HASH] ?? settingsRevision(template.settings);
  return {
    id: runnerId,
    settings: { ...template.settings, exposedPorts: [...template.settings.exposedPorts], forcePull: false },
    meta: runnerJobMeta(spec, revision),
  };
}

/**
 * True when settings `to` isolate more than `from`: network access was removed, or a port `from` exposes is no longer
 * exposed. Claimed runners made with `from` are destroyed then, as in the original.
 */
export function narrowsIsolation(from: TaskSettings, to: TaskSettings): boolean {
  if (from.networkAccess && !to.networkAccess) return true;
  const allowed = new Set(to.networkAccess ? to.exposedPorts : []);
  return from.exposedPorts.some((port) => !allowed.has(port));
}
