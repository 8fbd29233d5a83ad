/**
 * Environment status and health on the real service, with a pool alert threshold of 0.5: the status reports the
 * observed generation, the template revision, pool counts and conditions; a pool drained below the threshold shows
 * `Degraded` / `PoolDepleting` until the normal reconcile loop refills it; `/health` answers 503 while a pool cannot
 * fill and 204 once every pool is above the threshold.
 */
import type { ExecutionEnvironmentStatus } from '../../crds/execution-environment';
import { eventually } from '../support/eventually';
import { expectNoLeaks, handleCounts, type HandleCounts } from './support/leak-check';
import { removeState, startTestService, type TestService } from './support/service-harness';

jest.setTimeout(60_000);

let world: TestService;
let baseline: HandleCounts;
/** Every status write of every environment, in commit order. */
const written: { id: number; status: ExecutionEnvironmentStatus }[] = [];
let unwatch: (() => void) | undefined;

beforeAll(async () => {
  baseline = handleCounts();
  world = await startTestService({
    env: { POSEIDON_SERVER_ALERT_PREWARMINGPOOLTHRESHOLD: '0.5' },
  });
  unwatch = world.service.store.watch((event) => {
    if (event.kind === 'ExecutionEnvironment' && event.type !== 'deleted' && event.object.status) {
      const object = event.object as { spec: { id: number }; status: ExecutionEnvironmentStatus };
      written.push({ id: object.spec.id, status: object.status });
    }
  });
});

afterAll(async () => {
  unwatch?.();
  await world.stop();
  await removeState(world.dir);
  await expectNoLeaks(baseline);
});

const settle = { timeoutMs: 20_000, intervalMs: 25 };

async function status(id: number): Promise<ExecutionEnvironmentStatus | undefined> {
  const environments = await world.service.store.list('ExecutionEnvironment');
  return environments.find((e) => e.spec.id === id)?.status as ExecutionEnvironmentStatus | undefined;
}

function condition(s: ExecutionEnvironmentStatus | undefined, type: string) {
  return s?.conditions?.find((c) => c.type === type);
}

async function health(): Promise<number> {
  return (await world.api.kit.api('GET', '/health')).status;
}

describe('environment status and health on the real service', () => {
  it('reports a full pool as Ready with its counts, revision and observed generation', async () => {
    expect(await world.api.putEnvironment(91, { prewarmingPoolSize: 6 })).toBe(201);
    const pool = await eventually(() => world.world.settledPool(91, 6), settle);
    const ready = await eventually(async () => {
      const current = await status(91);
      expect(condition(current, 'Ready')).toMatchObject({ status: 'True', reason: 'PoolReady' });
      return current;
    }, settle);
    expect(ready).toMatchObject({ observedGeneration: 1, templateRevision: pool.revision });
    expect(ready).toMatchObject({ idleRunners: 6, usedRunners: 0, desiredIdleRunners: 6 });
    expect(condition(ready, 'Degraded')).toMatchObject({ status: 'False' });
    expect(await health()).toBe(204);
  });

  it('shows PoolDepleting while claims drain the pool below the threshold, then heals it', async () => {
    const from = written.length;
    const claims = await Promise.all(Array.from({ length: 6 }, () => world.api.claimResponse(91)));
    expect(claims.map((c) => c.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await eventually(async () => {
      const current = await status(91);
      expect(condition(current, 'Ready')).toMatchObject({ status: 'True', reason: 'PoolReady' });
      expect(current).toMatchObject({ idleRunners: 6, usedRunners: 6 });
    }, settle);
    const depleting = written
      .slice(from)
      .filter((w) => w.id === 91 && condition(w.status, 'Degraded')?.status === 'True');
    expect(depleting.length).toBeGreaterThan(0);
    expect(condition(depleting[0]?.status, 'Degraded')).toMatchObject({ reason: 'PoolDepleting' });
    expect(await health()).toBe(204);
  });

  it('follows a spec change to the new generation and revision', async () => {
    const before = await status(91);
    expect(await world.api.putEnvironment(91, { prewarmingPoolSize: 6, cpuLimit: 40 })).toBe(204);
    await eventually(async () => {
      const current = await status(91);
      expect(current?.observedGeneration).toBe(2);
      expect(current?.templateRevision).not.toBe(before?.templateRevision);
      expect(condition(current, 'Ready')).toMatchObject({ status: 'True' });
    }, settle);
  });

  it('records a template the backend rejects, answers /health with 503, and recovers on a valid spec', async () => {
    // The store accepts any 32-bit memory limit; the embedded backend refuses more than 1 TiB per runner.
    expect(await world.api.putEnvironment(92, { prewarmingPoolSize: 2, memoryLimit: 2_000_000 })).toBe(201);
    const rejected = await eventually(async () => {
      const current = await status(92);
      expect(condition(current, 'Degraded')).toMatchObject({ status: 'True', reason: 'TemplateRejected' });
      return current;
    }, settle);
    expect(condition(rejected, 'Degraded')?.message).toContain('memoryLimit');
    expect(condition(rejected, 'Ready')).toMatchObject({ status: 'False', reason: 'TemplateRejected' });
    const response = await world.api.kit.api('GET', '/health');
    expect(response.status).toBe(503);
    expect(response.json()).toEqual({
      message: 'the prewarming pool is depleting: environments 92',
      errorCode: 'PREWARMING_POOL_DEPLETING',
    });
    const pool = await world.world.pool(92);
    expect([pool.templateJob, pool.jobs, pool.runners]).toEqual([undefined, [], []]);

    expect(await world.api.putEnvironment(92, { prewarmingPoolSize: 2, memoryLimit: 128 })).toBe(204);
    await eventually(() => world.world.settledPool(92, 2), settle);
    await eventually(async () => {
      expect(condition(await status(92), 'Ready')).toMatchObject({ status: 'True', reason: 'PoolReady' });
      expect(await health()).toBe(204);
    }, settle);
  });
});
