/**
 * The reconcilers driven by the real controller runtime (Manager, Controllers, work queues) and the real observed
 * cache, event by event: sources map store and backend changes to keys as the composition root will.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { ObservedCache } from '../../controllers/cache/observed-cache';
import { Controller } from '../../controllers/runtime/controller';
import { Manager } from '../../controllers/runtime/manager';
import { changeSource } from '../../controllers/runtime/source';
import { systemClock } from '../../controllers/runtime/timers';
import { API_GROUP_VERSION } from '../../crds/meta';
import { MemoryStore } from '../../crds/store/memory-store';
import type { WatchEvent } from '../../crds/store/store';
import { EnvironmentReconciler } from '../../reconcilers/environment/environment-reconciler';
import { environmentKey, parseRunnerId, parseTemplateJobId } from '../../reconcilers/naming';
import { PoolReconciler } from '../../reconcilers/pool/pool-reconciler';
import type { RunnerLossCause } from '../../reconcilers/ports';
import { RunnerClaimer } from '../../reconcilers/runner/claim';
import { RunnerReconciler } from '../../reconcilers/runner/runner-reconciler';
import { environmentStatistics } from '../../reconcilers/statistics/pool-statistics';
import { FakeBackend } from '../fakes/fake-backend';
import { eventually } from '../support/eventually';
import { StoreDesiredState } from './support/store-desired-state';

async function startController() {
  const clock = systemClock();
  const logger = pino({ level: process.env.DBG ? 'debug' : 'silent' });
  const registry = new Registry();
  const backend = new FakeBackend({ autoRun: true });
  const store = new MemoryStore();
  const desired = await StoreDesiredState.open(store);
  const observed = new ObservedCache({ jobs: backend, feed: backend, clock, logger, relistIntervalMs: 0 });
  const losses: { runnerId: string; cause: RunnerLossCause }[] = [];
  const reporter = {
    runnerLost: (runnerId: string, cause: RunnerLossCause): boolean => {
      if (losses.some((loss) => loss.runnerId === runnerId)) return false;
      losses.push({ runnerId, cause });
      return true;
    },
  };
  const base = { store, desired, observed, jobs: backend, clock, newId: () => crypto.randomUUID(), logger, registry };
  const controller = <R extends ConstructorParameters<typeof Controller>[0]['reconciler']>(reconciler: R) =>
    new Controller({ reconciler, logger, clock, registry, workers: 2 });
  const environments = controller(new EnvironmentReconciler(base));
  const pools = controller(new PoolReconciler({ ...base, losses: reporter }));
  const runners = controller(
    new RunnerReconciler({ ...base, losses: reporter, activity: { lastActivity: () => undefined } }),
  );
  const environmentChanged = (id: number | undefined) => {
    if (id === undefined) return;
    environments.enqueue(environmentKey(id));
    pools.enqueue(environmentKey(id));
  };
  const onStore = (event: WatchEvent) => {
    if (event.object.kind === 'Runner') {
      runners.enqueue(event.name);
      environmentChanged(event.object.spec.environmentId);
    } else environmentChanged(event.object.spec.id);
  };
  const onJobs = (ids: readonly string[]) => {
    for (const id of ids) {
      environmentChanged(parseTemplateJobId(id) ?? parseRunnerId(id));
      if (parseRunnerId(id) !== undefined) runners.enqueue(id);
    }
  };
  const manager = new Manager({ logger, stopTimeoutMs: 2000 })
    .addSource(observed)
    .addSource(changeSource('store-keys', (listener) => store.watch(listener), onStore))
    .addSource(changeSource('job-keys', (listener) => observed.onChange(listener), onJobs))
    .addController(environments)
    .addController(pools)
    .addController(runners);
  await manager.start();
  const claimer = new RunnerClaimer({ store, desired, observed, registry, random: Math.random });
  const stats = (id: number) => environmentStatistics(desired, observed).find((s) => s.id === id);
  const stop = async () => {
    await manager.stop();
    desired.close();
    await backend.stop();
  };
  return { store, backend, observed, claimer, losses, stats, stop };
}

let world: Awaited<ReturnType<typeof startController>>;

beforeEach(async () => {
  world = await startController();
});

afterEach(async () => {
  await world.stop();
  expect(world.backend.openEventStreams).toBe(0);
});

async function putEnvironment(id: number, prewarmingPoolSize: number) {
  const spec = {
    id,
    image: 'python',
    prewarmingPoolSize,
    cpuLimit: 20,
    memoryLimit: 0,
    networkAccess: false,
    exposedPorts: [],
  };
  await world.store.create('ExecutionEnvironment', {
    apiVersion: API_GROUP_VERSION,
    kind: 'ExecutionEnvironment',
    metadata: { name: `environment-${id}` },
    spec,
  });
}

describe('reconcilers under the controller runtime', () => {
  it('fill a pool, refill it after a claim and expire the claim at its deadline, event by event', async () => {
    await putEnvironment(3, 3);
    await eventually(() =>
      expect(world.stats(3)).toEqual({ id: 3, prewarmingPoolSize: 3, idleRunners: 3, usedRunners: 0 }),
    );
    const claimed = await world.claimer.claimRunner({ environmentId: 3, inactivityTimeout: 1, now: Date.now() });
    const id = claimed.metadata.name;
    await eventually(() => expect(world.stats(3)).toMatchObject({ idleRunners: 3, usedRunners: 1 }));
    await eventually(() => expect(world.observed.job(id)?.meta.used).toBe('true'));
    await eventually(() => expect(world.losses).toEqual([{ runnerId: id, cause: 'inactivityTimeout' }]), {
      timeoutMs: 5000,
    });
    await eventually(() => expect(world.backend.jobIds()).not.toContain(id));
    await eventually(() => expect(world.stats(3)).toMatchObject({ idleRunners: 3, usedRunners: 0 }));
  });

  it('tear an environment down once its resource is deleted', async () => {
    await putEnvironment(4, 2);
    await eventually(() => expect(world.stats(4)?.idleRunners).toBe(2));
    await world.store.delete('ExecutionEnvironment', 'environment-4');
    await eventually(() => expect(world.backend.jobIds()).toEqual([]));
    expect(await world.store.list('Runner')).toEqual([]);
  });
});
