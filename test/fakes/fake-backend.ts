/**
 * A stateful in-memory model of the Nomad-shaped backend port, for reconciler, cache and API tests: the world of
 * {@link FakeCluster} behind the port methods, with call counters (for "bounded list calls" assertions) and failures
 * injected on demand. It cannot run programs: `exec` always rejects.
 */
import { PoseidonError } from '../../crds/errors';
import type {
  AllocationState,
  Backend,
  BackendEvent,
  ExecProcess,
  JobSpec,
  JobState,
  Listed,
  RegisterOptions,
} from '../../reconcilers/ports';
import { FakeCluster, type FakeClusterOptions } from './fake-cluster';

export type { AllocationStatusOptions } from './fake-objects';

/** Every port method of the fake; used by {@link FakeBackend.failNext} and the call counters. */
export type FakeBackendMethod =
  | 'registerJob'
  | 'deregisterJob'
  | 'readJob'
  | 'listJobs'
  | 'listAllocations'
  | 'jobAllocations'
  | 'events'
  | 'exec';

/** Options of the {@link FakeBackend}. */
export type FakeBackendOptions = FakeClusterOptions;

const METHODS: readonly FakeBackendMethod[] = [
  'registerJob',
  'deregisterJob',
  'readJob',
  'listJobs',
  'listAllocations',
  'jobAllocations',
  'events',
  'exec',
];

/** The stateful fake backend. */
export class FakeBackend extends FakeCluster implements Backend {
  readonly name = 'fake';
  /** How often each method was called (list calls included). */
  readonly calls: Record<FakeBackendMethod, number>;
  private readonly failures = new Map<FakeBackendMethod, Error[]>();

  constructor(options: FakeBackendOptions = {}) {
    super(options);
    this.calls = Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<FakeBackendMethod, number>;
  }

  async start(): Promise<void> {}

  /** Cancels pending automatic starts and breaks open event streams; state stays. */
  async stop(): Promise<void> {
    this.halt();
  }

  async registerJob(job: JobSpec, options: RegisterOptions = {}): Promise<{ index: number; jobModifyIndex: number }> {
    this.enter('registerJob');
    return this.applyRegister(job, options);
  }

  async deregisterJob(id: string): Promise<{ index: number }> {
    this.enter('deregisterJob');
    return this.applyDeregister(id);
  }

  async readJob(id: string): Promise<JobState | undefined> {
    this.enter('readJob');
    return this.jobs.get(id);
  }

  async listJobs(prefix: string): Promise<Listed<JobState>> {
    this.enter('listJobs');
    return this.listedJobs(prefix);
  }

  async listAllocations(prefix: string): Promise<Listed<AllocationState>> {
    this.enter('listAllocations');
    return this.listedAllocations(prefix);
  }

  async jobAllocations(jobId: string): Promise<readonly AllocationState[]> {
    this.enter('jobAllocations');
    return [...(this.allocs.get(jobId) ?? [])];
  }

  events(fromIndex: number, signal: AbortSignal): AsyncIterable<readonly BackendEvent[]> {
    const failure = this.takeFailure('events');
    this.calls.events++;
    if (failure) return failingIterable(failure);
    return this.log.stream(fromIndex, () => this.currentIndex, signal);
  }

  /** The fake cannot run programs: always rejects with `BackendUnavailable`. */
  async exec(): Promise<ExecProcess> {
    this.enter('exec');
    throw new PoseidonError('BackendUnavailable', 'the fake backend cannot execute programs', { retryable: false });
  }

  /** The next call of `method` rejects with `error` (default: `BackendUnavailable`). Calls queue up. */
  failNext(method: FakeBackendMethod, error?: Error): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error ?? new PoseidonError('BackendUnavailable', `injected failure of ${method}`));
    this.failures.set(method, queue);
  }

  /** Resets the call counters to 0. */
  resetCalls(): void {
    for (const method of METHODS) this.calls[method] = 0;
  }

  private enter(method: FakeBackendMethod): void {
    this.calls[method]++;
    const failure = this.takeFailure(method);
    if (failure) throw failure;
  }

  private takeFailure(method: FakeBackendMethod): Error | undefined {
    return this.failures.get(method)?.shift();
  }
}

function failingIterable(error: Error): AsyncIterable<readonly BackendEvent[]> {
  return {
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
  };
}
