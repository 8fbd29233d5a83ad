/**
 * Environment updates on the real service: an identical PUT changes nothing; a changed image or limit rolls the idle
 * runners onto the new template revision while a claimed runner keeps running its execution; a change that narrows
 * isolation (network access removed) destroys claimed runners of the old revision, and their WebSocket is told so.
 */
import { eventually } from '../support/eventually';
import { expectNoLeaks, handleCounts, type HandleCounts } from './support/leak-check';
import { removeState, startTestService, type TestService } from './support/service-harness';

jest.setTimeout(60_000);

let world: TestService;
let baseline: HandleCounts;

beforeAll(async () => {
  baseline = handleCounts();
  world = await startTestService();
});

afterAll(async () => {
  await world.stop();
  await removeState(world.dir);
  await expectNoLeaks(baseline);
});

const settle = { timeoutMs: 20_000, intervalMs: 25 };
/** Prints ticks for about 2 s; exits 0 only when it was never interrupted. */
const TICKING = 'for i in 1 2 3 4 5 6 7 8; do echo tick$i; sleep 0.25; done; echo finished';

describe('environment updates on the real service', () => {
  it('changes nothing on a PUT of an identical spec', async () => {
    expect(await world.api.putEnvironment(21, { prewarmingPoolSize: 3 })).toBe(201);
    const before = await eventually(() => world.world.settledPool(21, 3), settle);
    expect(await world.api.putEnvironment(21, { prewarmingPoolSize: 3 })).toBe(204);
    const environment = (await world.service.store.list('ExecutionEnvironment')).find((e) => e.spec.id === 21);
    expect(environment?.metadata.generation).toBe(1);
    const after = await world.world.settledPool(21, 3);
    expect(after.runners.map((r) => r.id).sort()).toEqual(before.runners.map((r) => r.id).sort());
    expect(after.templateJob?.jobModifyIndex).toBe(before.templateJob?.jobModifyIndex);
    for (const runner of after.runners) {
      expect(runner.allocation?.id).toBe(before.runners.find((r) => r.id === runner.id)?.allocation?.id);
    }
  });

  it('rolls idle runners to a changed spec and lets a claimed runner finish its execution', async () => {
    const before = await world.world.settledPool(21, 3);
    const held = await world.api.claim(21);
    const socket = await world.api.start(held, TICKING);
    expect(await world.api.putEnvironment(21, { prewarmingPoolSize: 3, memoryLimit: 300 })).toBe(204);
    const rolled = await eventually(async () => {
      const pool = await world.world.settledPool(21, 3);
      expect(pool.revision).not.toBe(before.revision);
      expect(pool.templateJob?.settings.memoryLimit).toBe(300);
      return pool;
    }, settle);
    const oldIds = new Set(before.runners.map((r) => r.id));
    const idle = rolled.runners.filter((r) => !r.claimed);
    expect(idle.filter((r) => oldIds.has(r.id))).toEqual([]);
    for (const runner of idle) expect(runner.job?.settings.memoryLimit).toBe(300);

    const finished = await world.api.finish(socket);
    expect(finished.terminal).toEqual({ type: 'exit', data: 0 });
    expect(finished.stdout).toContain('finished');
    const kept = rolled.runners.find((r) => r.id === held);
    expect(kept).toMatchObject({ claimed: true, revision: before.revision });
    expect(kept?.job?.settings.memoryLimit).toBe(256);
    expect((await world.api.run(held, 'echo again')).stdout).toContain('again');

    const fresh = await world.api.claim(21);
    expect((await world.world.pool(21)).runners.find((r) => r.id === fresh)?.revision).toBe(rolled.revision);
    expect(await world.api.release(held)).toBe(204);
    expect(await world.api.release(fresh)).toBe(204);
    await eventually(async () => {
      const pool = await world.world.settledPool(21, 3);
      expect(pool.jobs.some((job) => job.id === held || job.id === fresh)).toBe(false);
    }, settle);
  });

  it('destroys claimed runners when network access is removed, ending their executions', async () => {
    const spec = { prewarmingPoolSize: 2, networkAccess: true, exposedPorts: [8080] };
    expect(await world.api.putEnvironment(22, spec)).toBe(201);
    await eventually(() => world.world.settledPool(22, 2), settle);
    const held = await world.api.claim(22);
    const socket = await world.api.start(held, 'sleep 30');
    expect(await world.api.putEnvironment(22, { prewarmingPoolSize: 2 })).toBe(204);
    const finished = await world.api.finish(socket);
    expect(finished.terminal).toEqual({ type: 'error', data: 'the allocation stopped as expected' });
    expect(finished.closed.code).toBe(1000);
    const pool = await eventually(() => world.world.settledPool(22, 2), settle);
    expect(pool.runners.some((r) => r.id === held)).toBe(false);
    for (const runner of pool.runners) expect(runner.job?.settings.networkAccess).toBe(false);
    expect(await world.api.release(held)).toBe(410);
  });
});
