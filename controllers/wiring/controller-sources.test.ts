/**
 * The controller sources over a real DesiredCache (on a MemoryStore) and an observed feed of changes and re-lists:
 * which keys end up queued, and which runners are reported gone.
 */
import pino from 'pino';
import { MemoryStore } from '../../crds/store/memory-store';
import type { JobState, RunnerLossCause } from '../../reconcilers/ports';
import { environment, runner, runnerName } from '../../test/crds/builders';
import { DesiredCache } from '../cache/desired-cache';
import type { Source } from '../runtime/source';
import { controllerSources } from './controller-sources';

/** Queues as sets of keys, and the losses reported. */
function world() {
  const queued = { environments: new Set<string>(), pools: new Set<string>(), runners: new Set<string>() };
  const queues = {
    environments: { enqueue: (key: string) => void queued.environments.add(key) },
    pools: { enqueue: (key: string) => void queued.pools.add(key) },
    runners: { enqueue: (key: string) => void queued.runners.add(key) },
  };
  const losses = new Map<string, RunnerLossCause>();
  const changeListeners = new Set<(ids: readonly string[]) => void>();
  const resyncListeners = new Set<() => void>();
  /** Ids of the backend's jobs. */
  const jobs = new Set<string>();
  const observed = {
    jobsWithPrefix: (prefix: string) =>
      [...jobs].filter((id) => id.startsWith(prefix)).map((id) => ({ id }) as unknown as JobState),
    onChange(listener: (ids: readonly string[]) => void) {
      changeListeners.add(listener);
      return () => void changeListeners.delete(listener);
    },
    onResync(listener: () => void) {
      resyncListeners.add(listener);
      return () => void resyncListeners.delete(listener);
    },
  };
  const clear = () => Object.values(queued).forEach((set) => set.clear());
  return { queued, queues, losses, jobs, observed, changeListeners, resyncListeners, clear };
}

describe('controller sources', () => {
  const store = new MemoryStore();
  const desired = new DesiredCache({ store, logger: pino({ level: 'silent' }) });
  const w = world();
  let sources: Source[];

  beforeAll(async () => {
    sources = controllerSources({
      desired,
      observed: w.observed,
      queues: w.queues,
      losses: { runnerLost: (id, cause) => void (w.losses.has(id) || w.losses.set(id, cause)) },
    });
    for (const source of sources) await source.start();
    await desired.start();
    await desired.whenSynced();
  });

  afterAll(async () => {
    for (const source of sources) await source.stop();
    await desired.stop();
  });

  it('enqueues the environment, its pool and the runner when a Runner resource changes', async () => {
    await store.create('ExecutionEnvironment', environment('env-5', 5));
    w.clear();
    await store.create('Runner', runner(runnerName(5, 1), 5));
    expect(w.queued.runners).toEqual(new Set([runnerName(5, 1)]));
    expect(w.queued.environments).toEqual(new Set(['5']));
    expect(w.queued.pools).toEqual(new Set(['5']));
  });

  it('maps backend job ids to their environment and runner keys', () => {
    w.clear();
    for (const listener of w.changeListeners) listener(['template-7', runnerName(8, 2), 'unrelated']);
    expect(w.queued.environments).toEqual(new Set(['7', '8']));
    expect(w.queued.pools).toEqual(new Set(['7', '8']));
    expect(w.queued.runners).toEqual(new Set([runnerName(8, 2)]));
  });

  it('enqueues every environment and every Runner resource after a re-list, jobs or not', async () => {
    await store.create('ExecutionEnvironment', environment('env-6', 6));
    await store.create('Runner', runner(runnerName(6, 3), 6));
    w.clear();
    for (const listener of w.resyncListeners) listener();
    expect(w.queued.environments).toEqual(new Set(['5', '6']));
    expect(w.queued.pools).toEqual(new Set(['5', '6']));
    expect(w.queued.runners).toEqual(new Set([runnerName(5, 1), runnerName(6, 3)]));
  });

  it('enqueues the runner jobs of an environment that appears or changes its spec, not on status writes', async () => {
    w.jobs.add(runnerName(9, 7));
    w.jobs.add(runnerName(90, 8));
    w.clear();
    const created = await store.create('ExecutionEnvironment', environment('env-9', 9));
    expect(w.queued.runners).toEqual(new Set([runnerName(9, 7)]));
    w.clear();
    const status = await store.updateStatus('ExecutionEnvironment', 'env-9', created.metadata.resourceVersion ?? '', {
      idleRunners: 0,
    });
    expect(w.queued.runners).toEqual(new Set());
    expect(w.queued.pools).toEqual(new Set(['9']));
    await store.update('ExecutionEnvironment', { ...status, spec: { ...status.spec, cpuLimit: 80 } });
    expect(w.queued.runners).toEqual(new Set([runnerName(9, 7)]));
  });

  it('reports a claimed runner deleted without a cause as deregistered, and ignores idle ones', async () => {
    const claim = { inactivityTimeout: 0, claimedAt: '2024-01-01T00:00:00.000Z' };
    await store.create('Runner', runner(runnerName(6, 4), 6, { claim }));
    await store.create('Runner', runner(runnerName(6, 5), 6, { claim }));
    w.losses.set(runnerName(6, 5), 'released');
    await store.delete('Runner', runnerName(6, 4));
    await store.delete('Runner', runnerName(6, 5));
    await store.delete('Runner', runnerName(6, 3));
    expect(w.losses).toEqual(
      new Map<string, RunnerLossCause>([
        [runnerName(6, 5), 'released'],
        [runnerName(6, 4), 'deregistered'],
      ]),
    );
  });
});
