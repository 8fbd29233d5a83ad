/**
 * Lost events on the real service: the embedded backend's event buffer is made small (4 batches), and runner jobs
 * are deregistered behind the controller's back in one event-loop turn, so the cache's feed overflows and every one
 * of those events is lost. The observed cache must notice the gap, re-list, and the reconcilers converge anyway:
 * the vanished idle runners are replaced, the claimed one is destroyed and its client told.
 */
import { eventually } from '../support/eventually';
import { metricValue } from './support/metric-value';
import { expectNoLeaks, handleCounts, type HandleCounts } from './support/leak-check';
import { removeState, startTestService, type TestService } from './support/service-harness';

jest.setTimeout(60_000);

let world: TestService;
let baseline: HandleCounts;

beforeAll(async () => {
  baseline = handleCounts();
  world = await startTestService({ service: { embedded: { eventBufferSize: 4 } } });
});

afterAll(async () => {
  await world.stop();
  await removeState(world.dir);
  await expectNoLeaks(baseline);
});

const settle = { timeoutMs: 20_000, intervalMs: 25 };

function gapRelists(): Promise<number> {
  return metricValue(world.service.registry, 'poseidon_cache_relists_total', { reason: 'gap' });
}

describe('lost events on the real service', () => {
  it('heals jobs that vanished while the event feed lost their events, through a re-list', async () => {
    expect(await world.api.putEnvironment(71, { prewarmingPoolSize: 6 })).toBe(201);
    await eventually(() => world.world.settledPool(71, 6), settle);
    const held = await world.api.claim(71);
    const socket = await world.api.start(held, 'sleep 30');
    const before = await eventually(() => world.world.settledPool(71, 6), settle);
    const vanished = [...before.runners.filter((r) => !r.claimed).map((r) => r.id), held];
    const gapsBefore = await gapRelists();

    // Seven deregistrations publish seven batches before the cache's feed can read one: its subscription overflows.
    await Promise.all(vanished.map((id) => world.service.backend.deregisterJob(id)));

    const healed = await eventually(async () => {
      const pool = await world.world.settledPool(71, 6);
      expect(pool.runners.filter((r) => vanished.includes(r.id))).toEqual([]);
      return pool;
    }, settle);
    expect(healed.runners).toHaveLength(6);
    expect(await gapRelists()).toBeGreaterThan(gapsBefore);
    const finished = await world.api.finish(socket);
    expect(finished.terminal?.type).toBe('error');
    expect(finished.closed.code).toBe(1000);
    expect(await world.api.release(held)).toBe(410);
  });
});
