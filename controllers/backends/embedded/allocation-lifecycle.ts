/**
 * What happens to allocations after the scheduler decisions of the job table: a placed allocation's sandbox
 * resources are prepared and it turns `running`; a stopped one has its executions killed and its resources removed;
 * a broken one (workspace deleted, sandbox setup failing) turns `failed`; a kernel OOM kill inside it becomes a task
 * event with `oomKilled`. Every change is persisted.
 */
import type { Logger } from 'pino';
import { PoseidonError } from '../../../crds/errors';
import { parseTemplateJobId } from '../../../reconcilers/naming';
import type { RunnerLossCause } from '../../../reconcilers/ports';
import { failedAllocation, oomKilledAllocation, runningAllocation } from './jobs/allocation-transitions';
import type { AllocationRecord } from './jobs/job-records';
import type { JobTable } from './jobs/job-table';
import type { EmbeddedMetrics } from './embedded-metrics';
import type { Executions } from './exec/executions';
import type { AllocationSandboxes } from './sandbox/allocation-sandboxes';
import type { CgroupDriver } from './sandbox/cgroup-driver';

/** Dependencies of {@link AllocationLifecycle}. */
export interface LifecycleDeps {
  readonly table: JobTable;
  readonly sandboxes: AllocationSandboxes;
  readonly executions: Executions;
  readonly cgroups: CgroupDriver;
  readonly metrics: EmbeddedMetrics;
  readonly logger: Logger;
  /** Persists a job's record (resolves when written). */
  readonly persist: (jobId: string) => Promise<void>;
}

/** The error executions of a lost allocation end with. */
export function runnerGone(jobId: string, cause: RunnerLossCause, message?: string): PoseidonError {
  return new PoseidonError('RunnerGone', message ?? `runner ${jobId} is gone (${cause})`, { details: { cause } });
}

/** Drives allocations through preparation, failure and removal. */
export class AllocationLifecycle {
  private readonly preparing = new Map<string, Promise<void>>();

  constructor(private readonly deps: LifecycleDeps) {}

  /** Starts preparing a placed (or recovered pending) allocation; it turns `running` when done. */
  launch(jobId: string, record: AllocationRecord): void {
    const startedAt = Date.now();
    const work = this.prepare(jobId, record)
      .then(() => this.deps.metrics.prepareSeconds.observe((Date.now() - startedAt) / 1000))
      .finally(() => this.preparing.delete(record.state.id));
    this.preparing.set(record.state.id, work);
  }

  /** Resolves when the allocation's preparation (if any is in flight) has finished. */
  async whenPrepared(allocationId: string): Promise<void> {
    await this.preparing.get(allocationId);
  }

  /** Resolves when every preparation in flight has finished. */
  async settled(): Promise<void> {
    while (this.preparing.size > 0) await Promise.all([...this.preparing.values()]);
  }

  /** Kills the allocation's executions (they end with `RunnerGone`/`cause`) and removes its resources. */
  async retire(jobId: string, record: AllocationRecord, cause: RunnerLossCause): Promise<void> {
    await this.whenPrepared(record.state.id);
    await this.deps.executions.endAllocation(record.state.id, runnerGone(jobId, cause));
    await this.deps.sandboxes.destroy(record);
  }

  /** Marks the allocation failed (if it still runs), ends its executions and persists. */
  async fail(jobId: string, allocationId: string, message: string): Promise<void> {
    const updated = this.deps.table.updateAllocation(jobId, allocationId, (record, index, time) =>
      record.state.clientStatus === 'failed'
        ? record
        : { ...record, state: failedAllocation(record.state, index, time, message) },
    );
    if (!updated) return;
    this.deps.logger.warn({ jobId, allocationId, reason: message }, 'embedded backend: allocation failed');
    await this.deps.executions.endAllocation(allocationId, runnerGone(jobId, 'stoppedUnexpectedly', message));
    await this.deps.persist(jobId);
  }

  /** Reports kernel OOM kills in the allocation that have not been reported yet as a task event. */
  async checkOom(jobId: string, allocationId: string): Promise<void> {
    const kills = await this.deps.cgroups.oomKills(allocationId);
    const seen = this.deps.table.get(jobId)?.allocations.find((a) => a.state.id === allocationId)?.oomKillsSeen;
    if (seen === undefined || kills <= seen) return;
    this.deps.metrics.oomKills.inc(kills - seen);
    this.deps.table.updateAllocation(jobId, allocationId, (record, index, time) => ({
      ...record,
      oomKillsSeen: kills,
      state: oomKilledAllocation(record.state, index, time),
    }));
    await this.deps.persist(jobId);
  }

  /** Checks every running allocation; those whose files, cgroups or network namespace disappeared fail. */
  async supervise(): Promise<void> {
    for (const { job, allocations } of this.deps.table.all()) {
      const newest = allocations[0];
      if (newest?.state.clientStatus !== 'running' || newest.state.desiredStatus !== 'run') continue;
      const problem = await this.deps.sandboxes.problem(newest);
      if (problem) await this.fail(job.id, newest.state.id, problem);
    }
  }

  private async prepare(jobId: string, record: AllocationRecord): Promise<void> {
    try {
      const withNetwork = parseTemplateJobId(jobId) === undefined;
      const prepared = await this.deps.sandboxes.prepare(record, withNetwork);
      const stillWanted = (current: AllocationRecord): boolean =>
        current.state.clientStatus === 'pending' && current.state.desiredStatus === 'run';
      const updated = this.deps.table.updateAllocation(jobId, record.state.id, (current, index, time) =>
        !stillWanted(current)
          ? current
          : {
              ...current,
              ...(prepared.network ? { network: prepared.network } : {}),
              state: runningAllocation(current.state, index, time, prepared.ports),
            },
      );
      if (updated?.state.clientStatus !== 'running') await this.deps.sandboxes.destroy({ ...record, ...prepared });
      await this.deps.persist(jobId);
    } catch (error) {
      this.deps.logger.error({ err: error, jobId, allocationId: record.state.id }, 'embedded backend: setup failed');
      const message = `sandbox setup failed: ${String(error)}`;
      this.deps.table.updateAllocation(jobId, record.state.id, (current, index, time) =>
        current.state.clientStatus !== 'pending' || current.state.desiredStatus !== 'run'
          ? current
          : { ...current, state: failedAllocation(current.state, index, time, message, 'Setup Failure') },
      );
      await this.deps.persist(jobId).catch(() => undefined);
    }
  }
}
