/**
 * The whole service on the Nomad backend, end to end against the Nomad API test server (or the real agent named by
 * `NOMAD_ADDR`): an environment created over
 * the REST API becomes a template job and a warm pool of runner jobs; a claim is mirrored into the runner job's
 * `config` meta; files and executions go through Nomad's alloc exec WebSocket; a release purges the job; a restart
 * of the service keeps claimed runners; an environment update rolls the idle runners. Assertions are on the Nomad
 * side (jobs, meta, allocations) and on the API's answers.
 */
import { defaultTemplateJob } from '../../controllers/backends/nomad/job-template';
import { renderJob } from '../../controllers/backends/nomad/render-job';
import type { JobSpec } from '../../reconcilers/ports';
import { eventually } from '../support/eventually';
import { base64, ContractKit } from '../api/support/contract-kit';
import { configMeta, runnerTask } from './support/cluster-view';
import { startNomadService, type NomadServiceFixture } from './support/nomad-service';

jest.setTimeout(120_000);

let fixture: NomadServiceFixture;
let kit: ContractKit;

beforeAll(async () => {
  fixture = await startNomadService();
  kit = new ContractKit(fixture.target);
});

afterAll(async () => {
  await kit?.cleanup().catch(() => undefined);
  await fixture?.close();
});

/** Waits until environment `id` has exactly `idle` idle runner jobs and `used` claimed ones in Nomad. */
async function poolSettled(id: number, idle: number, used: number): Promise<void> {
  await eventually(
    async () => {
      const jobs = await fixture.nomad.runnerJobs(id);
      const claimed = jobs.filter((job) => configMeta(job).used === 'true').length;
      const running = await Promise.all(jobs.map((job) => fixture.nomad.runningAllocationId(job.ID)));
      const stats = (await kit.api('GET', '/statistics/execution-environments')).json<
        Record<string, { idleRunners: number; usedRunners: number }>
      >()[String(id)];
      return (
        jobs.length === idle + used &&
        claimed === used &&
        running.every((allocation) => allocation !== undefined) &&
        stats?.idleRunners === idle &&
        stats.usedRunners === used
      );
    },
    { timeoutMs: 60_000, intervalMs: 50, message: `environment ${id}: ${idle} idle and ${used} used runner jobs` },
  );
}

describe('the service on the Nomad backend', () => {
  it('registers the template job and warms the pool with runner jobs derived from it', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 2 });
    await poolSettled(id, 2, 0);
    const template = await fixture.nomad.templateJob(id);
    expect(configMeta(template)).toMatchObject({ prewarmingPoolSize: '2' });
    for (const job of [template, ...(await fixture.nomad.runnerJobs(id))]) {
      expect(job?.Type).toBe('batch');
      expect(runnerTask(job).config).toMatchObject({
        image: fixture.target.image,
        command: 'sleep',
        args: ['infinity'],
        network_mode: 'none',
      });
      expect(runnerTask(job).resources).toMatchObject({ CPU: 20, MemoryMaxMB: 256 });
    }
    const environment = await kit.api('GET', `/execution-environments/${id}`);
    expect(environment.json()).toEqual({
      id,
      image: fixture.target.image,
      prewarmingPoolSize: 2,
      cpuLimit: 20,
      memoryLimit: 256,
      networkAccess: false,
      exposedPorts: null,
    });
  });

  it('claims, copies files, executes over the exec WebSocket, and releases a runner', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 1 });
    await poolSettled(id, 1, 0);
    const runnerId = await kit.claim(id, 120);
    await eventually(async () => configMeta(await fixture.nomad.job(runnerId)).used === 'true', {
      timeoutMs: 10_000,
      message: 'claim mirrored into the runner job meta',
    });
    expect(configMeta(await fixture.nomad.job(runnerId))).toMatchObject({ used: 'true', timeout: '120' });
    await poolSettled(id, 1, 1);

    await kit.patch(runnerId, { copy: [{ path: 'src/main.py', content: base64('print("hi from nomad")\n') }] });
    const raw = await kit.api('GET', `/runners/${runnerId}/files/raw?path=src/main.py`);
    expect(raw.status).toBe(200);
    expect(raw.text).toBe('print("hi from nomad")\n');
    const listing = await kit.api('GET', `/runners/${runnerId}/files?recursive=true`);
    expect(listing.json<{ files: { name: string }[] }>().files.map((file) => file.name)).toEqual(
      expect.arrayContaining(['./src/main.py']),
    );

    const run = await kit.run(runnerId, {
      command: 'cat src/main.py; echo "$CODEOCEAN:$GREETING"; whoami; echo oops >&2; exit 7',
      timeLimit: 20,
      environment: { GREETING: "it's $HOME; rm -rf /" },
    });
    expect(run.protocolViolations).toEqual([]);
    expect(run.messages[0]).toEqual({ type: 'start' });
    expect(run.stdout.replace(/\r\n/g, '\n')).toBe(`print("hi from nomad")\ntrue:it's $HOME; rm -rf /\nuser\n`);
    expect(run.stderr.replace(/\r\n/g, '\n')).toBe('oops\n');
    expect(run.terminal).toEqual({ type: 'exit', data: 7 });

    const stdin = await kit.run(runnerId, { command: 'read line; echo "got:$line"', timeLimit: 20 }, ['hello\n']);
    expect(stdin.stdout).toContain('got:hello');
    expect(stdin.terminal).toEqual({ type: 'exit', data: 0 });

    const released = await kit.api('DELETE', `/runners/${runnerId}`);
    expect(released.status).toBe(204);
    await eventually(async () => (await fixture.nomad.job(runnerId)) === undefined, {
      timeoutMs: 10_000,
      message: 'released runner job purged',
    });
    await poolSettled(id, 1, 0);
    expect((await kit.api('DELETE', `/runners/${runnerId}`)).status).toBe(410);
  });

  it('keeps claimed runners, their files and the pool size across a restart of the service', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 2 });
    await poolSettled(id, 2, 0);
    const runnerId = await kit.claim(id, 300);
    await kit.patch(runnerId, { copy: [{ path: 'kept.txt', content: base64('survives') }] });
    await poolSettled(id, 2, 1);
    const before = new Set((await fixture.nomad.runnerJobs(id)).map((job) => job.ID));

    await fixture.restart();
    kit = new ContractKit(fixture.target);

    await poolSettled(id, 2, 1);
    expect(new Set((await fixture.nomad.runnerJobs(id)).map((job) => job.ID))).toEqual(before);
    const run = await kit.run(runnerId, { command: 'cat kept.txt', timeLimit: 20 });
    expect(run.stdout).toBe('survives');
    expect(run.terminal).toEqual({ type: 'exit', data: 0 });
  });

  it('rolls the idle runners to the new settings on an environment update and keeps the claimed one', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 2 });
    await poolSettled(id, 2, 0);
    const claimed = await kit.claim(id, 300);
    await poolSettled(id, 2, 1);
    const oldIdle = (await fixture.nomad.runnerJobs(id)).map((job) => job.ID).filter((jobId) => jobId !== claimed);

    const updated = await kit.api('PUT', `/execution-environments/${id}`, {
      id,
      image: fixture.target.image,
      prewarmingPoolSize: 2,
      cpuLimit: 30,
      memoryLimit: 300,
      networkAccess: false,
      exposedPorts: [],
    });
    expect(updated.status).toBe(204);

    await eventually(
      async () => {
        const idle = (await fixture.nomad.runnerJobs(id)).filter((job) => job.ID !== claimed);
        const running = await Promise.all(idle.map((job) => fixture.nomad.runningAllocationId(job.ID)));
        return (
          idle.length === 2 &&
          idle.every((job) => !oldIdle.includes(job.ID) && runnerTask(job).resources.CPU === 30) &&
          running.every((allocation) => allocation !== undefined)
        );
      },
      { timeoutMs: 30_000, intervalMs: 25, message: 'idle runners replaced by ones with the new settings' },
    );
    expect(runnerTask(await fixture.nomad.templateJob(id)).resources).toMatchObject({ CPU: 30, MemoryMaxMB: 300 });
    const run = await kit.run(claimed, { command: 'echo still-here', timeLimit: 20 });
    expect(run.stdout).toContain('still-here');
  });

  it('deletes the template job and every runner job with the environment', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 2 });
    await poolSettled(id, 2, 0);
    await kit.claim(id, 300);
    expect((await kit.api('DELETE', `/execution-environments/${id}`)).status).toBe(204);
    await eventually(
      async () => (await fixture.nomad.runnerJobs(id)).length === 0 && !(await fixture.nomad.templateJob(id)),
      {
        timeoutMs: 20_000,
        message: 'template and runner jobs purged',
      },
    );
  });

  it('adopts the template and runner jobs the original Go Poseidon left: used stays used, idle joins the pool', async () => {
    const id = kit.freshEnvironmentId();
    const settings = {
      image: fixture.target.image,
      cpuLimit: 20,
      memoryLimit: 256,
      networkAccess: false,
      exposedPorts: [],
    };
    const goJob = (jobId: string, meta: Record<string, string>) => {
      // Go Poseidon's jobs: the state lives in the config group only, no job-level Meta.
      const job = renderJob({ id: jobId, settings, meta } as JobSpec, {
        template: defaultTemplateJob(),
        namespace: 'default',
        network: { mode: 'bridge' },
        disableForcePull: true,
      });
      return { ...job, Meta: null };
    };
    const used = `${id}-6f04b525-5315-11ee-af32-fa163e079f19`;
    const idle = `${id}-7a15c636-5315-11ee-af32-fa163e079f19`;
    for (const job of [
      goJob(`template-${id}`, { used: 'false', prewarmingPoolSize: '2' }),
      goJob(used, { used: 'true', timeout: '300' }),
      goJob(idle, { used: 'false' }),
    ]) {
      const response = await fetch(`${fixture.nomad.baseUrl}/v1/jobs`, {
        method: 'PUT',
        headers: fixture.nomad.headers(),
        body: JSON.stringify({ Job: job }),
      });
      expect(response.status).toBe(200);
    }
    await eventually(async () => (await fixture.nomad.runningAllocationId(used)) !== undefined, { timeoutMs: 20_000 });

    await fixture.restart();
    kit = new ContractKit(fixture.target);

    await poolSettled(id, 2, 1);
    const environment = await kit.api('GET', `/execution-environments/${id}`);
    expect(environment.json()).toMatchObject({ id, prewarmingPoolSize: 2, cpuLimit: 20, memoryLimit: 256 });
    const jobs = (await fixture.nomad.runnerJobs(id)).map((job) => job.ID);
    expect(jobs).toEqual(expect.arrayContaining([used, idle]));
    expect(configMeta(await fixture.nomad.job(used))).toMatchObject({ used: 'true', timeout: '300' });
    const run = await kit.run(used, { command: 'echo adopted', timeLimit: 20 });
    expect(run.stdout).toContain('adopted');
    await kit.api('DELETE', `/execution-environments/${id}`);
  });
});
