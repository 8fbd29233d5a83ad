/**
 * Reads the world a running service made, straight from its parts: Runner and ExecutionEnvironment resources in the
 * store, template and runner jobs (with their allocations) in the backend, and the API's statistics. Whole-service
 * tests assert on these, never on calls.
 */
import type { ResourceStore } from '../../../crds/store/store';
import { parseRunnerId, templateJobId } from '../../../reconcilers/naming';
import type { AllocationState, Backend, JobState } from '../../../reconcilers/ports';
import { templateRevision } from '../../../reconcilers/template/render-template';
import type { ApiClient } from '../../api/support/http-client';

/** One runner of an environment, as the store and the backend show it. */
export interface RunnerView {
  readonly id: string;
  readonly claimed: boolean;
  readonly revision: string;
  /** Its runner job, if the backend has one. */
  readonly job: JobState | undefined;
  /** The newest allocation of that job. */
  readonly allocation: AllocationState | undefined;
}

/** The whole pool of one environment. */
export interface PoolView {
  /** The current template revision of the stored spec (undefined without environment). */
  readonly revision: string | undefined;
  readonly runners: readonly RunnerView[];
  /** Runner jobs in the backend for this environment (with or without a resource). */
  readonly jobs: readonly JobState[];
  readonly templateJob: JobState | undefined;
}

/** Statistics as `/statistics/execution-environments` answers them. */
export type Statistics = Record<
  string,
  { id: number; prewarmingPoolSize: number; idleRunners: number; usedRunners: number }
>;

/** Reads a service's world. */
export class WorldReader {
  constructor(
    private readonly store: ResourceStore,
    private readonly backend: Backend,
    private readonly client: ApiClient,
  ) {}

  /** The pool of `environmentId`: resources, jobs and the template job. */
  async pool(environmentId: number): Promise<PoolView> {
    const environments = await this.store.list('ExecutionEnvironment');
    const environment = environments.find((e) => e.spec.id === environmentId);
    const stored = (await this.store.list('Runner')).filter((r) => r.spec.environmentId === environmentId);
    const jobs = (await this.backend.listJobs(`${environmentId}-`)).items.filter(
      (job) => parseRunnerId(job.id) === environmentId,
    );
    const runners: RunnerView[] = [];
    for (const runner of stored) {
      const id = runner.metadata.name;
      const job = jobs.find((j) => j.id === id);
      const allocations = job ? await this.backend.jobAllocations(id) : [];
      runners.push({
        id,
        claimed: runner.spec.claim !== undefined,
        revision: runner.spec.templateRevision,
        job,
        allocation: allocations[0],
      });
    }
    return {
      revision: environment ? templateRevision(environment.spec) : undefined,
      runners,
      jobs,
      templateJob: await this.backend.readJob(templateJobId(environmentId)),
    };
  }

  /**
   * Asserts the pool of `environmentId` is exactly settled: `size` idle runners of the current revision whose
   * allocations run, every resource has its job and every job its resource. Returns the pool.
   */
  async settledPool(environmentId: number, size: number): Promise<PoolView> {
    const pool = await this.pool(environmentId);
    const idle = pool.runners.filter((r) => !r.claimed);
    expect(idle).toHaveLength(size);
    for (const runner of idle) {
      expect(runner.revision).toBe(pool.revision);
      expect(runner.allocation?.clientStatus).toBe('running');
    }
    expect(pool.jobs.map((j) => j.id).sort()).toEqual(pool.runners.map((r) => r.id).sort());
    return pool;
  }

  /** What the API's statistics say about every environment. */
  async statistics(): Promise<Statistics> {
    const response = await this.client.send('GET', '/api/v1/statistics/execution-environments');
    expect(response.status).toBe(200);
    return response.json<Statistics>();
  }

  /** Every job the backend has (template and runner jobs). */
  async allJobs(): Promise<readonly JobState[]> {
    return (await this.backend.listJobs('')).items;
  }
}
