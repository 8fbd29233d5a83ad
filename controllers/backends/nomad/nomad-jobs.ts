/**
 * JobsPort over Nomad's jobs and allocations endpoints. `listJobs` takes one list call (or one per page) and reads
 * only jobs whose stub cannot be trusted: jobs of the original Go service (no job-level meta) and jobs whose
 * definition changed after creation (in practice: claimed runners, whose claim lives in the `config` group only).
 */
import type { AllocationState, JobSpec, JobState, JobsPort, Listed, RegisterOptions } from '../../../reconcilers/ports';
import type { NomadApiClient } from './nomad-api-client';
import type { NomadBackendConfig } from './nomad-backend-options';
import type { NomadJob } from './nomad-wire';
import { allocationStateOf, newestFirst } from './parse-allocation';
import { isProjectJobId } from './parse-event';
import { jobStateFromJob, jobStateFromStub } from './parse-job';
import { JOB_META_SETTINGS, renderJob, settingsJson, type RenderContext } from './render-job';

/** Jobs and allocations of this project in one Nomad namespace. */
export class NomadJobs implements JobsPort {
  constructor(
    private readonly api: NomadApiClient,
    private readonly config: NomadBackendConfig,
    private readonly render: RenderContext,
  ) {}

  /** See JobsPort. A meta-only change keeps the job-level Meta, so the runner allocation is not replaced. */
  async registerJob(job: JobSpec, options: RegisterOptions = {}): Promise<{ index: number; jobModifyIndex: number }> {
    const current = options.enforceIndex === 0 ? undefined : await this.api.readJob(job.id);
    const body = renderJob(job, this.render, current ? jobMetaToKeep(current, job) : undefined);
    const enforce =
      options.enforceIndex === undefined ? {} : { EnforceIndex: true, JobModifyIndex: options.enforceIndex };
    const response = await this.api.registerJob({ Job: body, ...enforce });
    if (response.Warnings) this.config.logger.info({ job: job.id, warnings: response.Warnings }, 'nomad job warnings');
    return { index: response.Index || response.JobModifyIndex, jobModifyIndex: response.JobModifyIndex };
  }

  /** See JobsPort: stops and purges; an unknown job succeeds. */
  async deregisterJob(id: string): Promise<{ index: number }> {
    const response = await this.api.deregisterJob(id);
    return { index: response.Index || response.JobModifyIndex };
  }

  /** See JobsPort. */
  async readJob(id: string): Promise<JobState | undefined> {
    const job = await this.api.readJob(id);
    return job ? jobStateFromJob(job) : undefined;
  }

  /** See JobsPort. Only this project's job ids (template and runner jobs) are listed. */
  async listJobs(prefix: string): Promise<Listed<JobState>> {
    const { items: stubs, index } = await this.api.listJobs(prefix);
    const states: JobState[] = [];
    const unread: string[] = [];
    for (const stub of stubs) {
      if (!isProjectJobId(stub.ID)) continue;
      const state = jobStateFromStub(stub);
      if (state) states.push(state);
      else unread.push(stub.ID);
    }
    const read = await mapLimit(unread, this.config.listReadConcurrency, (id) => this.api.readJob(id));
    for (const job of read) if (job) states.push(jobStateFromJob(job));
    return { items: states, index };
  }

  /** See JobsPort: one list call with resources, filtered by job id prefix. */
  async listAllocations(prefix: string): Promise<Listed<AllocationState>> {
    const { items, index } = await this.api.listAllocations();
    const states = items
      .filter((stub) => stub.JobID.startsWith(prefix) && isProjectJobId(stub.JobID))
      .map(allocationStateOf)
      .filter((state): state is AllocationState => state !== undefined);
    return { items: newestFirst(states), index };
  }

  /** See JobsPort. Live allocations are read in full for their ports and lineage. */
  async jobAllocations(jobId: string): Promise<readonly AllocationState[]> {
    const stubs = await this.api.jobAllocations(jobId);
    const states = await mapLimit(stubs, 4, async (stub) => {
      const live = stub.ClientStatus === 'pending' || stub.ClientStatus === 'running';
      const full = live ? await this.api.readAllocation(stub.ID) : undefined;
      return allocationStateOf(full ?? stub);
    });
    return newestFirst(states.filter((state): state is AllocationState => state !== undefined));
  }
}

/**
 * The job-level Meta a register of an existing job must send: unchanged when the runner task's settings are the
 * ones its Meta records (or when the job is not this project's), fresh otherwise (the allocation is replaced then
 * anyway).
 */
export function jobMetaToKeep(current: NomadJob, spec: JobSpec): Record<string, string> | undefined {
  const meta = current.Meta ?? {};
  const recorded = meta[JOB_META_SETTINGS];
  if (recorded === undefined || recorded === settingsJson(spec.settings)) return { ...meta };
  return undefined;
}

/** Maps with at most `limit` calls in flight; keeps order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const position = next++;
      results[position] = await map(items[position] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
