/**
 * The in-memory, indexed state behind the observed cache: jobs by id (and by id prefix up to the first '-', so
 * `template-` and `<envId>-` lookups do not scan every job) and allocations per job, newest first. Updates are
 * monotonic per object (an older `modifyIndex` never overwrites a newer one), and every object is deeply frozen.
 */
import type { AllocationState, BackendEvent, JobState } from '../../reconcilers/ports';

const TERMINAL = new Set(['complete', 'failed', 'lost']);

/** True when an allocation will never run again. */
export function isTerminalAllocation(alloc: AllocationState): boolean {
  return TERMINAL.has(alloc.clientStatus);
}

/** Deeply freezes a plain-data object (in place) and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    // Recurse even into frozen objects: a shallow-frozen parent may hold mutable children.
    for (const child of Object.values(value)) deepFreeze(child);
    if (!Object.isFrozen(value)) Object.freeze(value);
  }
  return value;
}

/** The bucket of a job id: its text up to and including the first '-' (`template-`, `12-`), else ''. */
function bucketOf(id: string): string {
  const dash = id.indexOf('-');
  return dash < 0 ? '' : id.slice(0, dash + 1);
}

/** Indexed jobs and allocations. */
export class ObservedIndex {
  private readonly jobs = new Map<string, JobState>();
  private readonly buckets = new Map<string, Map<string, JobState>>();
  /** Allocations per job id, newest (highest createIndex) first. */
  private readonly allocs = new Map<string, readonly AllocationState[]>();

  /** Number of jobs and of allocations held. */
  get size(): { jobs: number; allocations: number } {
    let allocations = 0;
    for (const list of this.allocs.values()) allocations += list.length;
    return { jobs: this.jobs.size, allocations };
  }

  job(id: string): JobState | undefined {
    return this.jobs.get(id);
  }

  /** Jobs whose id starts with `prefix`; a bucket lookup for `''`-free prefixes ending at the first '-'. */
  jobsWithPrefix(prefix: string): readonly JobState[] {
    if (prefix === '') return [...this.jobs.values()];
    const bucket = bucketOf(prefix);
    if (bucket === prefix) return [...(this.buckets.get(bucket)?.values() ?? [])];
    const candidates = bucket === '' ? this.jobs.values() : (this.buckets.get(bucket)?.values() ?? []);
    return [...candidates].filter((job) => job.id.startsWith(prefix));
  }

  allocations(jobId: string): readonly AllocationState[] {
    return this.allocs.get(jobId) ?? [];
  }

  /** Every job id that has a job or allocations. */
  ids(): Set<string> {
    return new Set([...this.jobs.keys(), ...this.allocs.keys()]);
  }

  /** Replaces everything with a full list. */
  replace(jobs: readonly JobState[], allocations: readonly AllocationState[]): void {
    this.jobs.clear();
    this.buckets.clear();
    this.allocs.clear();
    for (const job of jobs) this.putJob(job);
    for (const alloc of allocations) this.putAllocation(alloc);
  }

  /** Applies one event; returns the id of the job it concerns when something changed. */
  apply(event: BackendEvent): string | undefined {
    switch (event.topic) {
      case 'Job':
        if (event.type === 'JobRegistered') return event.job && this.putJob(event.job) ? event.job.id : undefined;
        return this.removeJob(event.key, event.index) ? event.key : undefined;
      case 'Allocation':
        return this.putAllocation(event.allocation) ? event.allocation.jobId : undefined;
      default:
        return undefined;
    }
  }

  private putJob(job: JobState): boolean {
    const current = this.jobs.get(job.id);
    if (current && current.modifyIndex > job.modifyIndex) return false;
    const frozen = deepFreeze(job);
    this.jobs.set(job.id, frozen);
    const bucket = bucketOf(job.id);
    let members = this.buckets.get(bucket);
    if (!members) this.buckets.set(bucket, (members = new Map()));
    members.set(job.id, frozen);
    return true;
  }

  /** Removes a deregistered job (unless it was created again after `index`) and its finished allocations. */
  private removeJob(id: string, index: number): boolean {
    const current = this.jobs.get(id);
    if (current && current.createIndex > index) return false;
    const removed = this.jobs.delete(id);
    this.buckets.get(bucketOf(id))?.delete(id);
    const remaining = this.allocations(id).filter((alloc) => !isTerminalAllocation(alloc));
    const droppedAllocations = remaining.length !== this.allocations(id).length;
    this.setAllocations(id, remaining);
    return removed || droppedAllocations;
  }

  /**
   * Stores an allocation unless the stored one is newer. Finished allocations of jobs that are gone are dropped
   * (the backend garbage-collects them too), so the cache does not grow with every runner ever destroyed.
   */
  private putAllocation(alloc: AllocationState): boolean {
    const list = this.allocations(alloc.jobId);
    const position = list.findIndex((a) => a.id === alloc.id);
    const current = position >= 0 ? list[position] : undefined;
    if (current && current.modifyIndex > alloc.modifyIndex) return false;
    if (isTerminalAllocation(alloc) && !this.jobs.has(alloc.jobId)) {
      if (position < 0) return false;
      this.setAllocations(
        alloc.jobId,
        list.filter((a) => a.id !== alloc.id),
      );
      return true;
    }
    const frozen = deepFreeze(alloc);
    const next = position >= 0 ? list.map((a, i) => (i === position ? frozen : a)) : [...list, frozen];
    this.setAllocations(
      alloc.jobId,
      next.sort((a, b) => b.createIndex - a.createIndex),
    );
    return true;
  }

  private setAllocations(jobId: string, list: readonly AllocationState[]): void {
    if (list.length === 0) this.allocs.delete(jobId);
    else this.allocs.set(jobId, Object.freeze(list));
  }
}
