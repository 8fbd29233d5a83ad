/**
 * What the runner planner knows about one runner id (desired and observed, loaded by the reconciler), and the pure
 * builders of the steps its lifecycle machine plans.
 */
import type { RunnerStatus } from '../../crds/runner';
import { sameData } from '../../crds/store/plain-data';
import type { StoredEnvironment, StoredRunner } from '../desired-state';
import {
  FALLBACK_TIMEOUT_SECONDS,
  META_CLAIMED_AT,
  META_TEMPLATE_HASH,
  META_TIMEOUT,
  META_USED,
  META_USED_TRUE,
  parseTimeoutMeta,
} from '../naming';
import type { JobSpec, JobState, RunnerLossCause } from '../ports';
import type { Step } from '../shared/steps';
import { renderRunnerJob, runnerJobMeta } from '../template/render-template';
import { settingsRevision } from '../template/template-revision';
import { mappedPortsOf, type AllocationVerdict } from './allocation-facts';

/** Everything the runner planner reads. */
export interface RunnerFacts {
  readonly runnerId: string;
  readonly runner: StoredRunner | undefined;
  /** The environment of the runner (or of the job's id when there is no resource). */
  readonly environment: StoredEnvironment | undefined;
  /** The environment's rendered template job. */
  readonly template: JobSpec | undefined;
  /** The environment's current template revision. */
  readonly currentRevision: string | undefined;
  readonly job: JobState | undefined;
  readonly allocation: AllocationVerdict;
  readonly now: number;
  /** The claim's inactivity deadline (epoch ms), if claimed and expiring. */
  readonly deadline: number | undefined;
  /** Writes of this job not yet seen by the cache: `register` or a meta digest. */
  readonly pendingWrites: readonly string[];
  /** When the earliest pending write stops counting (epoch ms), if any. */
  readonly pendingExpiry: number | undefined;
}

/** The expectation item of a first registration. */
export const REGISTER_EXPECTATION = 'register';

/** The expectation item of a meta write: a stable digest of the meta. */
export function metaDigest(meta: Readonly<Record<string, string>>): string {
  return `meta:${JSON.stringify(Object.entries(meta).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
}

/** Destroys a runner: report the loss, deregister its job, delete its resource (check-and-set). */
export function destroySteps(facts: RunnerFacts, cause: RunnerLossCause): Step[] {
  const steps: Step[] = [{ kind: 'reportLoss', runnerId: facts.runnerId, cause }];
  if (facts.job) steps.push({ kind: 'deregisterJob', object: 'RunnerJob', jobId: facts.runnerId });
  if (facts.runner) {
    const resourceVersion = facts.runner.metadata.resourceVersion;
    steps.push({ kind: 'deleteRunner', name: facts.runnerId, ...(resourceVersion ? { resourceVersion } : {}) });
  }
  return steps;
}

/** Registers the runner's job from the environment's current template. */
export function registerSteps(facts: RunnerFacts): Step[] {
  if (!facts.template || !facts.runner) return [];
  const job = renderRunnerJob(facts.template, facts.runnerId, facts.runner.spec);
  return [{ kind: 'registerJob', object: 'RunnerJob', job, exists: false, expectation: REGISTER_EXPECTATION }];
}

/** The `config` meta the runner's job should carry (mirroring the claim). */
export function desiredRunnerMeta(facts: RunnerFacts): Record<string, string> | undefined {
  if (!facts.runner || !facts.job) return undefined;
  return runnerJobMeta(facts.runner.spec, facts.job.meta[META_TEMPLATE_HASH] ?? facts.runner.spec.templateRevision);
}

/** A meta-only register (same settings, check-and-set on the job's modify index) when the meta differs. */
export function mirrorClaimSteps(facts: RunnerFacts): Step[] {
  const meta = desiredRunnerMeta(facts);
  if (!meta || !facts.job || sameData(meta, facts.job.meta)) return [];
  const expectation = metaDigest(meta);
  if (facts.pendingWrites.includes(expectation)) return [];
  const job: JobSpec = { id: facts.job.id, settings: facts.job.settings, meta };
  const enforceIndex = facts.job.jobModifyIndex;
  return [{ kind: 'registerJob', object: 'RunnerJob', job, exists: true, enforceIndex, expectation }];
}

/** Writes the runner's status for `phase` when it differs from the stored one. */
export function statusSteps(facts: RunnerFacts, phase: 'Pending' | 'Running'): Step[] {
  const runner = facts.runner;
  if (!runner?.metadata.resourceVersion) return [];
  const allocation = facts.allocation.kind === 'none' ? undefined : facts.allocation.allocation;
  const status: RunnerStatus = {
    ...(runner.metadata.generation !== undefined ? { observedGeneration: runner.metadata.generation } : {}),
    phase,
    ...(allocation ? { allocationId: allocation.id } : {}),
    mappedPorts: allocation ? mappedPortsOf(allocation) : [],
  };
  if (sameData(status, runner.status)) return [];
  return [
    { kind: 'writeRunnerStatus', name: runner.metadata.name, resourceVersion: runner.metadata.resourceVersion, status },
  ];
}

/**
 * Adopts a job the original Go service left: a Runner resource named after it, claimed when its meta says `used`
 * (timeout from meta, 60 s when unparsable, as the original), with the revision of the job's own settings (equal to
 * the current one exactly when the settings match the template, else stale so the pool replaces it when idle). The
 * job's meta then gets this project's `templateHash` at once (check-and-set, meta only), so that once the resource
 * is deleted the job is deregistered, never adopted again.
 */
export function adoptSteps(facts: RunnerFacts): Step[] {
  const job = facts.job;
  if (!job || !facts.environment) return [];
  const claimed = job.meta[META_USED] === META_USED_TRUE;
  const claim = claimed
    ? {
        inactivityTimeout: parseTimeoutMeta(job.meta[META_TIMEOUT]) ?? FALLBACK_TIMEOUT_SECONDS,
        claimedAt: validTime(job.meta[META_CLAIMED_AT]) ?? new Date(facts.now).toISOString(),
      }
    : undefined;
  const spec = {
    environmentId: facts.environment.spec.id,
    templateRevision: settingsRevision(job.settings),
    ...(claim ? { claim } : {}),
  };
  const meta = runnerJobMeta(spec, spec.templateRevision);
  return [
    { kind: 'createRunner', name: facts.runnerId, ...spec },
    {
      kind: 'registerJob',
      object: 'RunnerJob',
      job: { id: job.id, settings: job.settings, meta },
      exists: true,
      enforceIndex: job.jobModifyIndex,
      expectation: metaDigest(meta),
    },
  ];
}

/** Deregisters a job of this project whose Runner resource is gone. */
export function deregisterOrphanSteps(facts: RunnerFacts): Step[] {
  return [{ kind: 'deregisterJob', object: 'RunnerJob', jobId: facts.runnerId }];
}

function validTime(value: string | undefined): string | undefined {
  return value !== undefined && !Number.isNaN(Date.parse(value)) ? value : undefined;
}
