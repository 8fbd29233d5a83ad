/**
 * The backend's jobs and allocations in memory, and every change to them as Nomad would make it: each change takes
 * the next backend index and publishes the events Nomad would emit for it (register: `JobRegistered` on the Job and
 * Evaluation topics; placement: `PlanResult` for the new and the stopped allocation; client updates:
 * `AllocationUpdated`; a job status change: a `Job` event, typed `JobRegistered` as the port's union has no other).
 * Mutations are synchronous, so check-and-set and index order need no locks. Persistence is the caller's job.
 */
import { PoseidonError } from '../../../../crds/errors';
import type { AllocationState, BackendEvent, JobSpec, JobState } from '../../../../reconcilers/ports';
import { placedAllocation, stoppedAllocation } from './allocation-transitions';
import {
  allocationEvent,
  compareStrings,
  evaluationEvent,
  freezeJob,
  freezeSettings,
  isTerminal,
  jobEvent,
  jobStatusFor,
  sameMeta,
  sameSettings,
} from './job-objects';
import { ALLOCATION_HISTORY, type AllocationRecord, type JobRecord } from './job-records';

/** Where the table's changes go: the index keeper and the event log. */
export interface EventSink {
  /** Takes the next index, builds the batch with it, publishes it and returns the index. */
  commit(build: (index: number) => readonly BackendEvent[]): number;
  /** The current index. */
  readonly index: number;
}

/** What a register did. */
export interface RegisterOutcome {
  readonly index: number;
  readonly jobModifyIndex: number;
  /** The allocation placed for a new job or changed settings. */
  readonly placed?: AllocationRecord;
  /** The allocation the placement replaced (now desired `stop`). */
  readonly replaced?: AllocationRecord;
}

/** A change of one allocation record at a given index and time (Unix ns). */
export type AllocationChange = (record: AllocationRecord, index: number, time: number) => AllocationRecord;

/** The in-memory jobs and allocations. */
export class JobTable {
  private readonly records = new Map<string, JobRecord>();

  constructor(
    private readonly sink: EventSink,
    private readonly newId: () => string,
    private readonly nowNs: () => number,
  ) {}

  /** Replaces the table's content (start-up). Publishes nothing. */
  load(records: readonly JobRecord[]): void {
    this.records.clear();
    for (const record of records) this.records.set(record.job.id, record);
  }

  get(jobId: string): JobRecord | undefined {
    return this.records.get(jobId);
  }

  /** Every record (a snapshot). */
  all(): JobRecord[] {
    return [...this.records.values()];
  }

  /** Jobs whose id starts with `prefix`, by id. */
  jobs(prefix: string): JobState[] {
    return this.matching(prefix).map((record) => record.job);
  }

  /** Allocations of jobs whose id starts with `prefix`, newest first per job. */
  allocations(prefix: string): AllocationState[] {
    return this.matching(prefix).flatMap((record) => record.allocations.map((allocation) => allocation.state));
  }

  /** Creates or updates a job. Throws `Conflict` when `enforceIndex` does not match. */
  register(spec: JobSpec, enforceIndex: number | undefined): RegisterOutcome {
    const existing = this.records.get(spec.id);
    checkEnforceIndex(spec.id, existing?.job, enforceIndex);
    if (existing && sameSettings(existing.job.settings, spec.settings) && sameMeta(existing.job.meta, spec.meta)) {
      const index = this.sink.commit((i) => [
        evaluationEvent('EvaluationUpdated', i, this.newId(), spec.id, 'complete'),
      ]);
      return { index, jobModifyIndex: existing.job.jobModifyIndex };
    }
    const needsPlacement = !existing || !sameSettings(existing.job.settings, spec.settings);
    const index = this.sink.commit((i) => {
      const job = freezeJob({
        id: spec.id,
        settings: freezeSettings(spec.settings),
        meta: { ...spec.meta },
        status: existing?.job.status ?? 'pending',
        createIndex: existing?.job.createIndex ?? i,
        modifyIndex: i,
        jobModifyIndex: i,
        version: existing ? existing.job.version + 1 : 0,
      });
      this.records.set(spec.id, { job, allocations: existing?.allocations ?? [] });
      const evalStatus = needsPlacement ? 'pending' : 'complete';
      return [
        jobEvent('JobRegistered', i, job),
        evaluationEvent('JobRegistered', i, this.newId(), spec.id, evalStatus),
      ];
    });
    if (!needsPlacement) return { index, jobModifyIndex: index };
    return { ...this.place(spec.id), index, jobModifyIndex: index };
  }

  /** Stops and purges a job. Returns every allocation record it had (for clean-up), or undefined when unknown. */
  deregister(jobId: string): { index: number; allocations: readonly AllocationRecord[] } | undefined {
    const record = this.records.get(jobId);
    if (!record) return undefined;
    const index = this.sink.commit((i) => {
      const time = this.nowNs();
      const events: BackendEvent[] = [];
      for (const allocation of record.allocations) {
        if (allocation.state.desiredStatus === 'stop' && isTerminal(allocation.state.clientStatus)) continue;
        events.push(allocationEvent('PlanResult', i, stoppedAllocation(allocation.state, i, time)));
      }
      this.records.delete(jobId);
      const dead = freezeJob({ ...record.job, status: 'dead', modifyIndex: i });
      events.push(
        jobEvent('JobDeregistered', i, dead),
        evaluationEvent('JobDeregistered', i, this.newId(), jobId, 'complete'),
      );
      return events;
    });
    return { index, allocations: record.allocations };
  }

  /**
   * Applies `change` to one allocation (a client update: `AllocationUpdated`) and refreshes the job's status.
   * Returns the new record, or undefined when the job or allocation is gone. A change that returns the record it
   * was given is no change: nothing is published.
   */
  updateAllocation(jobId: string, allocationId: string, change: AllocationChange): AllocationRecord | undefined {
    const record = this.records.get(jobId);
    const position = record?.allocations.findIndex((allocation) => allocation.state.id === allocationId) ?? -1;
    const current = record?.allocations[position];
    if (!record || !current) return undefined;
    // Commits are synchronous, so the next commit takes exactly this index.
    const updated = change(current, this.sink.index + 1, this.nowNs());
    if (updated === current) return current;
    this.sink.commit((i) => {
      const allocations = record.allocations.map((allocation, n) => (n === position ? updated : allocation));
      const refreshed = this.withJobStatus({ job: record.job, allocations }, i);
      this.records.set(jobId, refreshed.record);
      return [allocationEvent('AllocationUpdated', i, updated.state), ...refreshed.events];
    });
    return updated;
  }

  /** Places a new allocation for the job, stopping the current one (linked both ways). */
  private place(jobId: string): { placed: AllocationRecord; replaced?: AllocationRecord } {
    let placed: AllocationRecord | undefined;
    let replaced: AllocationRecord | undefined;
    this.sink.commit((i) => {
      const record = this.records.get(jobId);
      if (!record)
        throw new PoseidonError('Internal', `embedded backend: placing an allocation of unknown job ${jobId}`);
      const time = this.nowNs();
      const previous = record.allocations[0];
      const state = placedAllocation({
        id: this.newId(),
        jobId,
        index: i,
        time,
        previousAllocationId: previous?.state.id,
      });
      placed = { state, settings: record.job.settings, oomKillsSeen: 0 };
      const events: BackendEvent[] = [];
      const rest = [...record.allocations];
      if (previous && previous.state.desiredStatus === 'run') {
        replaced = { ...previous, state: stoppedAllocation(previous.state, i, time, state.id) };
        rest[0] = replaced;
        events.push(allocationEvent('PlanResult', i, replaced.state));
      }
      const allocations = [placed, ...rest].slice(0, ALLOCATION_HISTORY);
      const refreshed = this.withJobStatus({ job: record.job, allocations }, i);
      this.records.set(jobId, refreshed.record);
      events.push(
        allocationEvent('PlanResult', i, state),
        evaluationEvent('PlanResult', i, this.newId(), jobId, 'complete'),
      );
      return [...events, ...refreshed.events];
    });
    if (!placed) throw new PoseidonError('Internal', 'embedded backend: placement produced no allocation');
    return replaced ? { placed, replaced } : { placed };
  }

  /** Sets the job's status from its newest allocation; returns the Job event when it changed. */
  private withJobStatus(record: JobRecord, index: number): { record: JobRecord; events: BackendEvent[] } {
    const status = jobStatusFor(record.allocations[0]?.state.clientStatus);
    if (status === record.job.status) return { record, events: [] };
    const job = freezeJob({ ...record.job, status, modifyIndex: index });
    return { record: { ...record, job }, events: [jobEvent('JobRegistered', index, job)] };
  }

  private matching(prefix: string): JobRecord[] {
    return [...this.records.values()]
      .filter((record) => record.job.id.startsWith(prefix))
      .sort((a, b) => compareStrings(a.job.id, b.job.id));
  }
}

/** Throws `Conflict` when `enforceIndex` is set and differs from the job's jobModifyIndex (0 = must not exist). */
export function checkEnforceIndex(id: string, existing: JobState | undefined, enforceIndex: number | undefined): void {
  if (enforceIndex === undefined) return;
  const actual = existing?.jobModifyIndex ?? 0;
  if (actual !== enforceIndex) {
    throw new PoseidonError(
      'Conflict',
      `Enforcing job modify index ${enforceIndex}: job ${id} ${existing ? `has index ${actual}` : 'does not exist'}`,
    );
  }
}
