/**
 * Fault behaviour of the whole service on the Nomad backend (issue 7, point 8), with faults injected by the Nomad API
 * test server: a running execution is told the contract's message when its allocation is OOM-killed, rescheduled or
 * its agent restarts; a restarted or rescheduled runner is never handed out as fresh; claims keep being served from
 * warm pools while the event stream is down, stalled or the server answers 500s; pools converge once a fault ends.
 * Faults need the test server: with `NOMAD_ADDR` (a real agent) this suite is skipped.
 */
import { eventually } from '../support/eventually';
import { ContractKit, finish } from '../api/support/contract-kit';
import type { NomadTestServer } from '../../hack/nomad-test-server/nomad-test-server';
import { configMeta } from './support/cluster-view';
import { REAL_NOMAD, startNomadService, type NomadServiceFixture } from './support/nomad-service';

jest.setTimeout(120_000);

let fixture: NomadServiceFixture;
let server: NomadTestServer;
let kit: ContractKit;

const describeFaults = REAL_NOMAD ? describe.skip : describe;

beforeAll(async () => {
  if (REAL_NOMAD) return;
  fixture = await startNomadService();
  if (!fixture.server) throw new Error('faults need the Nomad API test server');
  server = fixture.server;
  kit = new ContractKit(fixture.target);
});

afterEach(() => server?.resetFaults());

afterAll(async () => {
  await kit?.cleanup().catch(() => undefined);
  await fixture?.close();
});

/** Waits until environment `id` has `idle` idle runners, each with a running allocation, and `used` claimed ones. */
async function converged(id: number, idle: number, used = 0, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const jobs = await fixture.nomad.runnerJobs(id);
      const running = await Promise.all(jobs.map((job) => fixture.nomad.runningAllocationId(job.ID)));
      const stats = (await kit.api('GET', '/statistics/execution-environments')).json<
        Record<string, { idleRunners: number; usedRunners: number }>
      >()[String(id)];
      return (
        jobs.length === idle + used &&
        running.every((allocation) => allocation !== undefined) &&
        stats?.idleRunners === idle &&
        stats.usedRunners === used
      );
    },
    { timeoutMs, intervalMs: 50, message: `environment ${id} converged to ${idle} idle and ${used} used runners` },
  );
}

/** Starts a long-running execution on `runnerId` and waits until it printed its first line. */
async function longRunning(runnerId: string) {
  const socket = await kit.attach(await kit.execute(runnerId, { command: 'echo ready; sleep 60', timeLimit: 90 }));
  await socket.waitFor((message) => message.type === 'stdout' && String(message.data).includes('ready'), 20_000);
  return socket;
}

/** The running allocation of a runner job. */
async function allocationOf(runnerId: string): Promise<string> {
  const id = await fixture.nomad.runningAllocationId(runnerId);
  if (!id) throw new Error(`runner ${runnerId} has no running allocation`);
  return id;
}

describeFaults('faults injected by the Nomad API test server', () => {
  it('tells a running execution that its allocation was OOM killed, and never hands the runner out again', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 1 });
    await converged(id, 1);
    const runnerId = await kit.claim(id, 300);
    const socket = await longRunning(runnerId);

    server.oomKill(await allocationOf(runnerId));

    const run = await finish(socket);
    expect(run.terminal).toEqual({ type: 'error', data: 'the allocation was OOM Killed' });
    await eventually(
      async () => (await kit.api('POST', `/runners/${runnerId}/execute`, { command: 'true' })).status === 410,
      { timeoutMs: 10_000, message: 'the OOM-killed runner is gone (410)' },
    );
    await converged(id, 1);
    expect((await fixture.nomad.runnerJobs(id)).map((job) => job.ID)).not.toContain(runnerId);
  });

  it('replaces an idle runner whose allocation was rescheduled instead of handing it out as fresh', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 2 });
    await converged(id, 2);
    const [victim] = await fixture.nomad.runnerJobs(id);
    if (!victim) throw new Error('no runner job');
    const allocation = await allocationOf(victim.ID);

    server.reschedule(allocation);

    await eventually(async () => !(await fixture.nomad.runnerJobs(id)).some((job) => job.ID === victim.ID), {
      timeoutMs: 15_000,
      message: 'rescheduled runner job removed',
    });
    await converged(id, 2);
    const claimed = new Set([await kit.claim(id, 60), await kit.claim(id, 60)]);
    expect(claimed.has(victim.ID)).toBe(false);
  });

  it('ends a running execution with an error when the client agent restarts and keeps the runner usable', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 1 });
    await converged(id, 1);
    const runnerId = await kit.claim(id, 300);
    const socket = await longRunning(runnerId);

    server.restartAgent();

    const run = await finish(socket);
    expect(run.terminal).toEqual({ type: 'error', data: 'Error executing the request' });
    const again = await kit.run(runnerId, { command: 'echo back', timeLimit: 20 });
    expect(again.stdout).toContain('back');
  });

  it('serves claims from the warm pool while the event stream is down and converges once it is back', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 3 });
    await converged(id, 3);
    server.stallEventStreams(true);
    server.dropEventStreams();
    server.failRequests({ path: '^/v1/event/stream', status: 500, count: 1000 });

    const claimed = [await kit.claim(id, 60), await kit.claim(id, 60)];
    const run = await kit.run(claimed[0] ?? '', { command: 'echo during-outage', timeLimit: 20 });
    expect(run.stdout).toContain('during-outage');

    server.resetFaults();
    await converged(id, 3, 2);
    for (const runnerId of claimed) {
      expect(configMeta(await fixture.nomad.job(runnerId))).toMatchObject({
        used: 'true',
      });
    }
  });

  it('re-lists after a server restart that lost the event buffer and converges the pools', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 2 });
    await converged(id, 2);
    await server.restartServer();
    const runnerId = await kit.claim(id, 60);
    await converged(id, 2, 1);
    expect((await kit.run(runnerId, { command: 'echo ok', timeLimit: 20 })).stdout).toContain('ok');
  });

  it('keeps serving claims while the jobs API answers 500s and converges when it recovers', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 2 });
    await converged(id, 2);
    server.failRequests({ path: '^/v1/(jobs?|allocations?)(/|$)', status: 500, count: 1000 });

    const runnerId = await kit.claim(id, 60);
    expect(runnerId.startsWith(`${id}-`)).toBe(true);

    server.resetFaults();
    await converged(id, 2, 1);
    expect(configMeta(await fixture.nomad.job(runnerId))).toMatchObject({
      used: 'true',
    });
  });

  it('answers a claim whose store write fails with NOMAD_INTERNAL_SERVER_ERROR and loses no runner', async () => {
    const id = await kit.createEnvironment({ prewarmingPoolSize: 1 });
    await converged(id, 1);
    server.failRequests({ path: '^/v1/var/', method: 'PUT', status: 500, count: 1 });

    const failed = await kit.api('POST', '/runners', { executionEnvironmentId: id, inactivityTimeout: 60 });
    expect(failed.status).toBe(500);
    expect(failed.json()).toMatchObject({ errorCode: 'NOMAD_INTERNAL_SERVER_ERROR' });

    await converged(id, 1);
    const runnerId = await kit.claim(id, 60);
    await converged(id, 1, 1);
    expect((await kit.run(runnerId, { command: 'echo mine', timeLimit: 20 })).stdout).toContain('mine');
  });

  it('fills the pool once failing placements succeed again', async () => {
    server.failPlacements(true);
    const id = kit.freshEnvironmentId();
    const response = await kit.api('PUT', `/execution-environments/${id}`, {
      id,
      image: fixture.target.image,
      prewarmingPoolSize: 2,
      cpuLimit: 20,
      memoryLimit: 256,
      networkAccess: false,
      exposedPorts: [],
    });
    expect(response.status).toBe(201);
    const claim = await kit.api('POST', '/runners', { executionEnvironmentId: id, inactivityTimeout: 60 });
    expect(claim.status).toBe(500);
    expect(claim.json()).toMatchObject({ errorCode: 'NOMAD_OVERLOAD' });

    server.failPlacements(false);
    await converged(id, 2);
    await kit.api('DELETE', `/execution-environments/${id}`);
  });
});
