import { MemoryStore } from '../../crds/store/memory-store';
import { environment, runner } from '../../test/crds/builders';
import { ObservedSnapshot } from '../../test/reconcilers/support/observed-snapshot';
import { allocation, jobState, runnerId } from '../../test/reconcilers/support/reconciler-builders';
import { StoreDesiredState } from '../../test/reconcilers/support/store-desired-state';
import { renderTemplateJob, templateRevision } from '../template/render-template';
import { depletedEnvironments, environmentStatistics, isDepleting } from './pool-statistics';

describe('pool statistics', () => {
  it('counts idle runners of the current revision with a running allocation, and every claimed runner', async () => {
    const store = new MemoryStore();
    const env = await store.create('ExecutionEnvironment', environment('environment-1', 1, { prewarmingPoolSize: 4 }));
    await store.create('ExecutionEnvironment', environment('environment-2', 2, { prewarmingPoolSize: 0 }));
    const current = templateRevision(env.spec);
    const claim = { inactivityTimeout: 0, claimedAt: '2025-01-01T00:00:00.000Z' };
    const observed = new ObservedSnapshot();
    const job = jobState(renderTemplateJob(env.spec));
    const cases: [number, string, boolean, 'running' | 'pending'][] = [
      [1, current, false, 'running'], // idle
      [2, current, false, 'pending'], // starting: not idle
      [3, 'old', false, 'running'], // stale: not idle
      [4, current, true, 'running'], // used
      [5, 'old', true, 'pending'], // used
    ];
    for (const [n, revision, claimed, status] of cases) {
      const id = runnerId(1, n);
      await store.create('Runner', runner(id, 1, { templateRevision: revision, ...(claimed ? { claim } : {}) }));
      observed.set(id, { ...job, id }, [allocation(id, status)]);
    }
    const desired = await StoreDesiredState.open(store);
    const statistics = environmentStatistics(desired, observed);
    expect(statistics).toEqual([
      { id: 1, prewarmingPoolSize: 4, idleRunners: 1, usedRunners: 2 },
      { id: 2, prewarmingPoolSize: 0, idleRunners: 0, usedRunners: 0 },
    ]);
    expect(depletedEnvironments(statistics, 0.5)).toEqual([1]);
    expect(depletedEnvironments(statistics, 0)).toEqual([]);
    desired.close();
  });

  it('never reports an empty pool of size 0 as depleting', () => {
    expect(isDepleting({ id: 1, prewarmingPoolSize: 0, idleRunners: 0, usedRunners: 0 }, 1)).toBe(false);
    expect(isDepleting({ id: 1, prewarmingPoolSize: 2, idleRunners: 1, usedRunners: 0 }, 0.5)).toBe(false);
  });
});
