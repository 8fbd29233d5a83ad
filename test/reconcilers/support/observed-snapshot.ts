/**
 * An ObservedState holding plain values the test sets, for unit tests of pure readers (claim, statistics). Suites
 * that exercise the backend use the real ObservedCache over the FakeBackend instead.
 */
import type { AllocationState, JobState, ObservedState } from '../../../reconcilers/ports';

/** Jobs and allocations set by the test. */
export class ObservedSnapshot implements ObservedState {
  synced = true;
  private readonly jobs = new Map<string, JobState>();
  private readonly allocs = new Map<string, readonly AllocationState[]>();

  /** Sets (or with `undefined` removes) a job and its allocations (newest first). */
  set(id: string, job: JobState | undefined, allocations: readonly AllocationState[] = []): void {
    if (job) this.jobs.set(id, job);
    else this.jobs.delete(id);
    this.allocs.set(id, allocations);
  }

  job(id: string): JobState | undefined {
    return this.jobs.get(id);
  }

  jobsWithPrefix(prefix: string): readonly JobState[] {
    return [...this.jobs.values()].filter((job) => job.id.startsWith(prefix));
  }

  allocations(jobId: string): readonly AllocationState[] {
    return this.allocs.get(jobId) ?? [];
  }
}
