/**
 * Read-only questions about the Nomad API test server's state, phrased the way the end-to-end suites assert the
 * world: which jobs of an environment exist, what their `config` meta says, which allocation runs a runner.
 */
import type { NomadJob } from '../../../controllers/backends/nomad/nomad-wire';
import type { NomadTestServer } from '../../../hack/nomad-test-server/nomad-test-server';

/** The runner jobs (`<envId>-<uuid>`) of environment `environmentId` that are not stopped. */
export function runnerJobs(server: NomadTestServer, environmentId: number): NomadJob[] {
  return [...server.state.jobs.values()].filter((job) => job.ID.startsWith(`${environmentId}-`) && !job.Stop);
}

/** The template job of environment `environmentId`, if registered. */
export function templateJob(server: NomadTestServer, environmentId: number): NomadJob | undefined {
  return [...server.state.jobs.values()].find((job) => job.ID === `template-${environmentId}`);
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

/** The id of the running allocation of job `jobId`, if any. */
export function runningAllocationId(server: NomadTestServer, jobId: string): string | undefined {
  return [...server.state.allocs.values()].find(
    (alloc) => alloc.JobID === jobId && alloc.ClientStatus === 'running' && alloc.DesiredStatus === 'run',
  )?.ID;
}
