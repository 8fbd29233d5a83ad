/**
 * Pools on the real service (startService on the embedded backend): they fill to their size, refill after claims,
 * scale with the spec, and an environment's deletion tears down every job it had.
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

describe('pools of the real service', () => {
  it('fills a new environment to its pool size, with one running job per runner and a template job', async () => {
    expect(await world.api.putEnvironment(11, { prewarmingPoolSize: 4 })).toBe(201);
    const pool = await eventually(() => world.world.settledPool(11, 4), settle);
    expect(pool.templateJob?.meta).toMatchObject({ prewarmingPoolSize: '4', used: 'false' });
    const stats = await world.world.statistics();
    expect(stats['11']).toEqual({ id: 11, prewarmingPoolSize: 4, idleRunners: 4, usedRunners: 0 });
  });

  it('refills the pool after claims, with fresh runner ids, and keeps the claimed runners', async () => {
    const before = new Set((await world.world.pool(11)).runners.map((r) => r.id));
    const claimed = [await world.api.claim(11), await world.api.claim(11), await world.api.claim(11)];
    expect(new Set(claimed).size).toBe(3);
    for (const id of claimed) expect(before.has(id)).toBe(true);
    const pool = await eventually(() => world.world.settledPool(11, 4), settle);
    const idleIds = pool.runners.filter((r) => !r.claimed).map((r) => r.id);
    expect(idleIds.filter((id) => before.has(id))).toHaveLength(1);
    expect(
      pool.runners
        .filter((r) => r.claimed)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...claimed].sort());
    for (const id of claimed) {
      expect(pool.jobs.find((job) => job.id === id)?.meta).toMatchObject({ used: 'true' });
    }
    expect((await world.world.statistics())['11']).toMatchObject({ idleRunners: 4, usedRunners: 3 });
    for (const id of claimed) expect(await world.api.release(id)).toBe(204);
    await eventually(async () => {
      const after = await world.world.settledPool(11, 4);
      expect(after.runners.some((r) => r.claimed)).toBe(false);
    }, settle);
  });

  it('grows and shrinks the pool when the pool size changes, touching only idle runners', async () => {
    const held = await world.api.claim(11);
    expect(await world.api.putEnvironment(11, { prewarmingPoolSize: 6 })).toBe(204);
    await eventually(() => world.world.settledPool(11, 6), settle);
    expect(await world.api.putEnvironment(11, { prewarmingPoolSize: 1 })).toBe(204);
    const pool = await eventually(() => world.world.settledPool(11, 1), settle);
    expect(pool.runners.find((r) => r.id === held)?.claimed).toBe(true);
    expect((await world.api.run(held, 'echo still here')).stdout).toContain('still here');
  });

  it('answers NOMAD_OVERLOAD at once for an empty pool and fills it once the size grows', async () => {
    expect(await world.api.putEnvironment(12, { prewarmingPoolSize: 0 })).toBe(201);
    const response = await world.api.claimResponse(12);
    expect(response.status).toBe(500);
    expect(response.json()).toMatchObject({ errorCode: 'NOMAD_OVERLOAD' });
    expect(await world.api.putEnvironment(12, { prewarmingPoolSize: 2 })).toBe(204);
    await eventually(() => world.world.settledPool(12, 2), settle);
  });

  it('gives concurrent claims distinct runners and answers the rest with NOMAD_OVERLOAD', async () => {
    expect(await world.api.putEnvironment(14, { prewarmingPoolSize: 8 })).toBe(201);
    await eventually(() => world.world.settledPool(14, 8), settle);
    const responses = await Promise.all(Array.from({ length: 24 }, () => world.api.claimResponse(14)));
    const granted = responses.filter((r) => r.status === 200).map((r) => r.json<{ runnerId: string }>().runnerId);
    const refused = responses.filter((r) => r.status !== 200);
    expect(granted.length).toBeGreaterThanOrEqual(8);
    expect(new Set(granted).size).toBe(granted.length);
    for (const response of refused) expect(response.json()).toMatchObject({ errorCode: 'NOMAD_OVERLOAD' });
    const pool = await eventually(() => world.world.settledPool(14, 8), settle);
    expect(
      pool.runners
        .filter((r) => r.claimed)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...granted].sort());
  });

  it('tears down every job of a deleted environment, claimed runners included', async () => {
    expect(await world.api.putEnvironment(13, { prewarmingPoolSize: 3 })).toBe(201);
    await eventually(() => world.world.settledPool(13, 3), settle);
    const claimed = await world.api.claim(13);
    expect(await world.api.deleteEnvironment(13)).toBe(204);
    await eventually(async () => {
      const pool = await world.world.pool(13);
      expect(pool.templateJob).toBeUndefined();
      expect(pool.jobs).toEqual([]);
      expect(pool.runners).toEqual([]);
    }, settle);
    expect((await world.api.release(claimed)) === 410).toBe(true);
    expect(await world.api.deleteEnvironment(13)).toBe(404);
    expect((await world.world.statistics())['13']).toBeUndefined();
  });
});
