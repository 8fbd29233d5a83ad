/**
 * Questions about the cluster's state, asked over Nomad's HTTP API (so they work against the Nomad API test server
 * and a real agent alike), phrased the way the end-to-end suites assert the world: which jobs of an environment
 * exist, what their `config` meta says, which allocation runs a runner.
 */
import type { NomadAllocListStub, NomadJob, NomadJobListStub } from '../../../controllers/backends/nomad/nomad-wire';

/** Read access to one Nomad agent. */
export class ClusterView {
  constructor(
    /** `http(s)://host:port` of the agent. */
    readonly baseUrl: string,
    private readonly token: string,
    private readonly namespace = 'default',
  ) {}

  /** Headers of every call (the ACL token when there is one). */
  headers(): Record<string, string> {
    return this.token ? { 'X-Nomad-Token': this.token } : {};
  }

  /** The full job, or undefined when Nomad does not know it. */
  async job(id: string): Promise<NomadJob | undefined> {
    const response = await this.get(`/v1/job/${encodeURIComponent(id)}`);
    if (response.status === 404) return undefined;
    return (await this.json(response)) as NomadJob;
  }

  /** The template job of environment `environmentId`, if registered. */
  templateJob(environmentId: number): Promise<NomadJob | undefined> {
    return this.job(`template-${environmentId}`);
  }

  /** The runner jobs (`<envId>-<uuid>`) of environment `environmentId` that are not stopped, read in full. */
  async runnerJobs(environmentId: number): Promise<NomadJob[]> {
    const response = await this.get(`/v1/jobs?prefix=${encodeURIComponent(`${environmentId}-`)}`);
    const stubs = (await this.json(response)) as NomadJobListStub[];
    const jobs = await Promise.all(stubs.filter((stub) => !stub.Stop).map((stub) => this.job(stub.ID)));
    return jobs.filter((job): job is NomadJob => job !== undefined && !job.Stop);
  }

  /** The id of the running allocation of job `jobId`, if any. */
  async runningAllocationId(jobId: string): Promise<string | undefined> {
    const response = await this.get(`/v1/job/${encodeURIComponent(jobId)}/allocations`);
    const allocations = (await this.json(response)) as NomadAllocListStub[];
    return allocations.find((alloc) => alloc.ClientStatus === 'running' && alloc.DesiredStatus === 'run')?.ID;
  }

  private get(path: string): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    url.searchParams.set('namespace', this.namespace);
    return fetch(url, { headers: this.headers() });
  }

  private async json(response: Response): Promise<unknown> {
    if (!response.ok) throw new Error(`Nomad ${response.url} answered ${response.status}: ${await response.text()}`);
    return response.json();
  }
}

/** The `config` task group meta of a job (Poseidon's persistent state: `used`, `timeout`, `prewarmingPoolSize`). */
export function configMeta(job: NomadJob | undefined): Record<string, string> {
  return { ...(job?.TaskGroups?.find((group) => group.Name === 'config')?.Meta ?? {}) };
}

/** The runner task's docker config and resources of a job. */
export function runnerTask(job: NomadJob | undefined) {
  const task = job?.TaskGroups?.find((group) => group.Name === 'default-group')?.Tasks?.find(
    (candidate) => candidate.Name === 'default-task',
  );
  return { config: (task?.Config ?? {}) as Record<string, unknown>, resources: task?.Resources ?? {} };
}
