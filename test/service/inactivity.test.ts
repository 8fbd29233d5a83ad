/**
 * Inactivity timeouts on the real service (spec/poseidon-api.md 6.2): the timer counts from the last activity start
 * (claim, WebSocket attach, file operations), an execution longer than the timeout ends with `timeout` and the runner
 * is destroyed (job deregistered, resource deleted, 410 afterwards); 0 never expires.
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
  expect(await world.api.putEnvironment(31, { prewarmingPoolSize: 3 })).toBe(201);
  await eventually(() => world.world.settledPool(31, 3), { timeoutMs: 20_000, intervalMs: 25 });
});

afterAll(async () => {
  await world.stop();
  await removeState(world.dir);
  await expectNoLeaks(baseline);
});

async function gone(runnerId: string): Promise<void> {
  const pool = await world.world.pool(31);
  expect(pool.runners.some((r) => r.id === runnerId)).toBe(false);
  expect(pool.jobs.some((job) => job.id === runnerId)).toBe(false);
}

describe('inactivity timeouts on the real service', () => {
  it('ends an execution that outlives the timeout with `timeout` and destroys the runner', async () => {
    const runnerId = await world.api.claim(31, 1);
    const socket = await world.api.start(runnerId, 'sleep 20');
    const finished = await world.api.finish(socket);
    expect(finished.terminal).toEqual({ type: 'timeout' });
    expect(finished.closed.code).toBe(1000);
    await eventually(() => gone(runnerId), { timeoutMs: 5000 });
    expect((await world.api.readFile(runnerId, 'x')).status).toBe(410);
    expect(await world.api.release(runnerId)).toBe(410);
  });

  it('keeps a runner alive while file operations keep it active, then destroys it when idle', async () => {
    const runnerId = await world.api.claim(31, 2);
    const claimedAt = Date.now();
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await world.api.writeFile(runnerId, `file${i}.txt`, `content ${i}`);
    }
    // About 2.8 s after the claim: longer than the timeout, alive thanks to the activities.
    expect(Date.now() - claimedAt).toBeGreaterThan(2000);
    expect((await world.api.readFile(runnerId, 'file3.txt')).text).toBe('content 3');
    await eventually(() => gone(runnerId), { timeoutMs: 6000, intervalMs: 50 });
    expect((await world.api.readFile(runnerId, 'file3.txt')).status).toBe(410);
  });

  it('never expires a runner claimed with timeout 0', async () => {
    const runnerId = await world.api.claim(31, 0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await world.api.run(runnerId, 'echo alive')).stdout).toContain('alive');
    const runner = (await world.world.pool(31)).runners.find((r) => r.id === runnerId);
    expect(runner?.job?.meta).toMatchObject({ used: 'true', timeout: '0' });
    expect(await world.api.release(runnerId)).toBe(204);
  });

  it('refills the pool after expired runners', async () => {
    await eventually(() => world.world.settledPool(31, 3), { timeoutMs: 10_000, intervalMs: 25 });
  });
});
