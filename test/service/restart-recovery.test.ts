/**
 * Graceful restart of the real service on the same state directories: everything is rebuilt from the store and the
 * embedded backend. Pools are reconciled without creating a single runner, claimed runners stay claimed with their
 * files and are never handed out again, and inactivity timers restart with their full duration.
 */
import { eventually } from '../support/eventually';
import { expectNoLeaks, handleCounts, type HandleCounts } from './support/leak-check';
import type { Registry } from 'prom-client';
import { metricValue } from './support/metric-value';
import type { ServiceApi } from './support/service-api';
import { newStateDir, removeState, startTestService } from './support/service-harness';

jest.setTimeout(90_000);

const settle = { timeoutMs: 20_000, intervalMs: 25 };
/** Inactivity timeout of the runner whose timer must restart: long enough for a slow start on a loaded machine. */
const EXPIRY_S = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dir = newStateDir();
let baseline: HandleCounts;

beforeAll(() => {
  // Taken inside a hook, like the check in afterAll, so both count the hook's own timeout timer.
  baseline = handleCounts();
});

afterAll(async () => {
  await removeState(dir);
  await expectNoLeaks(baseline);
});

/** `POST /execute` answers 200 for a claimed runner and 410 otherwise, without resetting its inactivity timer. */
async function executeStatus(api: ServiceApi, runnerId: string): Promise<number> {
  return (await api.kit.api('POST', `/runners/${runnerId}/execute`, { command: 'true' })).status;
}

function poolCreations(registry: Registry): Promise<number> {
  return metricValue(registry, 'poseidon_reconcile_outcomes_total', {
    controller: 'pool',
    object: 'Runner',
    outcome: 'created',
  });
}

describe('a graceful restart of the real service', () => {
  it('recovers pools without over-creation, keeps claims with their files, restarts inactivity timers', async () => {
    const first = await startTestService({ dir });
    let claimedIds: string[];
    let idleBefore: Map<string, string | undefined>;
    try {
      expect(await first.api.putEnvironment(41, { prewarmingPoolSize: 3 })).toBe(201);
      expect(await first.api.putEnvironment(42, { prewarmingPoolSize: 2, memoryLimit: 128 })).toBe(201);
      await eventually(() => first.world.settledPool(42, 2), settle);
      const kept = await first.api.claim(41, 0);
      await first.api.writeFile(kept, 'notes/state.txt', 'written before the restart');
      const expiring = await first.api.claim(41, EXPIRY_S);
      claimedIds = [kept, expiring];
      const pool = await eventually(() => first.world.settledPool(41, 3), settle);
      idleBefore = new Map(pool.runners.filter((r) => !r.claimed).map((r) => [r.id, r.allocation?.id]));
    } finally {
      await first.stop();
    }
    // Longer than `expiring`'s timeout: only a restarted timer keeps it alive after the restart.
    await sleep(EXPIRY_S * 1000 + 500);

    const startedAt = Date.now();
    const second = await startTestService({ dir });
    try {
      const [kept, expiring] = claimedIds as [string, string];
      // First thing after the start: its timeout passed while the service was down, yet it is alive.
      expect(await executeStatus(second.api, expiring)).toBe(200);
      const pool = await eventually(() => second.world.settledPool(41, 3), settle);
      await eventually(() => second.world.settledPool(42, 2), settle);
      const idleAfter = pool.runners.filter((r) => !r.claimed);
      expect(new Map(idleAfter.map((r) => [r.id, r.allocation?.id]))).toEqual(idleBefore);
      for (const id of claimedIds) expect(pool.runners.find((r) => r.id === id)?.claimed ?? 'gone').toBe(true);
      expect((await second.api.readFile(kept, 'notes/state.txt')).text).toBe('written before the restart');
      expect(await poolCreations(second.service.registry)).toBe(0);

      // ... and it expires a full timeout after the restart (POST /execute does not reset the timer).
      await eventually(async () => expect(await executeStatus(second.api, expiring)).toBe(410), {
        timeoutMs: EXPIRY_S * 1000 + 10_000,
        intervalMs: 50,
      });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(EXPIRY_S * 1000);

      const fresh = [await second.api.claim(41), await second.api.claim(41), await second.api.claim(41)];
      expect(fresh.filter((id) => claimedIds.includes(id))).toEqual([]);
      expect(await executeStatus(second.api, kept)).toBe(200);
      // Exactly the replacements of the three runners claimed after the restart (an expired claimed runner is not
      // part of the idle pool, so it is not replaced).
      await eventually(() => second.world.settledPool(41, 3), settle);
      expect(await poolCreations(second.service.registry)).toBe(3);
    } finally {
      await second.stop();
    }
  });
});
