/**
 * The runtime as a whole: a Manager with the desired cache (over a MemoryStore), the observed cache (over the fake
 * backend), sources that map both to keys, and a small level-triggered reconciler that keeps one backend job per
 * Runner resource. The world must converge whatever order things happen in, including lost events.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { MemoryStore } from '../../crds/store/memory-store';
import { parseRunnerId } from '../../reconcilers/naming';
import { runner, runnerName } from '../../test/crds/builders';
import { FakeBackend } from '../../test/fakes/fake-backend';
import { eventually } from '../../test/support/eventually';
import { DesiredCache, type DesiredChange } from '../cache/desired-cache';
import { ObservedCache } from '../cache/observed-cache';
import { Controller } from './controller';
import { Manager } from './manager';
import type { Reconciler } from './reconciler';
import { changeSource } from './source';
import { systemClock } from './timers';

const settings = { image: 'python:3.12', cpuLimit: 40, memoryLimit: 0, networkAccess: false, exposedPorts: [] };

function wire(store: MemoryStore, backend: FakeBackend) {
  const logger = pino({ level: 'silent' });
  const clock = systemClock();
  const registry = new Registry();
  const desired = new DesiredCache({ store, logger });
  const observed = new ObservedCache({ jobs: backend, feed: backend, clock, logger, registry, relistIntervalMs: 0 });
  const reconciler: Reconciler = {
    name: 'runner-jobs',
    async reconcile(name) {
      const want = desired.runner(name);
      const have = observed.job(name);
      if (want && !have) await backend.registerJob({ id: name, settings, meta: { used: 'false' } });
      if (!want && have) await backend.deregisterJob(name);
    },
  };
  const controller = new Controller({ reconciler, logger, clock, registry, workers: 2 });
  const manager = new Manager({ logger, stopTimeoutMs: 1000 })
    .addSource(
      changeSource<DesiredChange>(
        'runners',
        (l) => desired.onChange(l),
        (c) => c.kind === 'Runner' && controller.enqueue(c.name),
      ),
    )
    .addSource(
      changeSource<readonly string[]>(
        'runner-jobs',
        (l) => observed.onChange(l),
        (ids) => ids.filter((id) => parseRunnerId(id) !== undefined).forEach((id) => controller.enqueue(id)),
      ),
    )
    .addSource(desired)
    .addSource(observed)
    .addController(controller);
  return { manager, registry };
}

describe('Manager wiring', () => {
  it('converges backend jobs onto Runner resources through deletions, outside interference and lost events', async () => {
    const store = new MemoryStore();
    const backend = new FakeBackend({ autoRun: true, eventBufferSize: 5 });
    const stray = runnerName(9, 999);
    await backend.registerJob({ id: stray, settings, meta: { used: 'false' } });
    for (let n = 0; n < 30; n++) await store.create('Runner', runner(runnerName(1, n), 1));
    const { manager } = wire(store, backend);
    await manager.start();

    const jobCount = () => backend.jobIds().length;
    await eventually(() => jobCount() === 30 && !backend.jobIds().includes(stray));
    for (let n = 30; n < 40; n++) await store.create('Runner', runner(runnerName(1, n), 1));
    for (let n = 0; n < 10; n++) await store.delete('Runner', runnerName(1, n));
    await eventually(() => jobCount() === 30);

    backend.breakEventStreams();
    for (let n = 10; n < 20; n++) await backend.deregisterJob(runnerName(1, n));
    await eventually(() => jobCount() === 30, { timeoutMs: 5000 });
    expect(backend.jobIds()).toEqual(Array.from({ length: 30 }, (_, i) => runnerName(1, i + 10)).sort());
    expect(backend.calls.listJobs).toBeLessThanOrEqual(3);

    await manager.stop();
    await backend.stop();
    expect(backend.openEventStreams).toBe(0);
    await store.close();
  });
});
