import pino from 'pino';
import type { ResourceKind } from '../../crds/resources';
import { MemoryStore } from '../../crds/store/memory-store';
import type { ResourceStore, Stored, WatchEvent } from '../../crds/store/store';
import { environment, runner, runnerName } from '../../test/crds/builders';
import { DesiredCache, type DesiredChange } from './desired-cache';

const logger = pino({ level: 'silent' });
const claim = { inactivityTimeout: 60, claimedAt: '2025-01-01T00:00:00Z' };

function cacheOver(store: Pick<ResourceStore, 'list' | 'watch'>) {
  const cache = new DesiredCache({ store, logger });
  const changes: DesiredChange[] = [];
  cache.onChange((change) => changes.push(change));
  return { cache, changes };
}

describe('DesiredCache', () => {
  let store: MemoryStore;
  beforeEach(() => {
    store = new MemoryStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it('indexes environments by id and runners by name and environment, and announces them after the list', async () => {
    await store.create('ExecutionEnvironment', environment('python', 12));
    await store.create('Runner', runner(runnerName(12, 1), 12));
    await store.create('Runner', runner(runnerName(12, 2), 12, { claim }));
    await store.create('Runner', runner(runnerName(1, 3), 1));
    const { cache, changes } = cacheOver(store);
    await cache.start();
    expect(cache.synced).toBe(true);
    expect(cache.environment(12)?.metadata.name).toBe('python');
    expect(cache.environmentNamed('python')?.spec.id).toBe(12);
    expect(
      cache
        .runnersOf(12)
        .map((r) => r.metadata.name)
        .sort(),
    ).toEqual([runnerName(12, 1), runnerName(12, 2)]);
    expect(cache.idleRunnersOf(12).map((r) => r.metadata.name)).toEqual([runnerName(12, 1)]);
    expect(cache.countsOf(12)).toEqual({ idle: 1, used: 1 });
    expect(cache.runners()).toHaveLength(4 - 1);
    expect(changes.map((c) => `${c.type} ${c.kind} ${c.name}`)).toHaveLength(4);
    expect(changes.every((c) => c.type === 'added')).toBe(true);
    cache.stop();
  });

  it('follows claims, releases and deletions with the previous state attached', async () => {
    const { cache, changes } = cacheOver(store);
    await cache.start();
    await store.create('ExecutionEnvironment', environment('python', 12));
    const created = await store.create('Runner', runner(runnerName(12, 1), 12));
    expect(cache.countsOf(12)).toEqual({ idle: 1, used: 0 });
    const claimed = await store.update('Runner', { ...created, spec: { ...created.spec, claim } });
    expect(cache.runner(created.metadata.name)?.spec.claim).toEqual(claim);
    expect(cache.countsOf(12)).toEqual({ idle: 0, used: 1 });
    expect(changes.at(-1)).toMatchObject({ type: 'modified', object: claimed, previous: created });
    await store.delete('Runner', created.metadata.name);
    await store.delete('ExecutionEnvironment', 'python');
    expect(cache.runner(created.metadata.name)).toBeUndefined();
    expect(cache.runnersOf(12)).toEqual([]);
    expect(cache.environment(12)).toBeUndefined();
    expect(changes.slice(-2).map((c) => `${c.type} ${c.kind}`)).toEqual([
      'deleted Runner',
      'deleted ExecutionEnvironment',
    ]);
    cache.stop();
  });

  it('replays writes made while the list loads without letting older versions win', async () => {
    let releaseList!: () => void;
    const gate = new Promise<void>((resolve) => (releaseList = resolve));
    const slowStore = {
      watch: store.watch.bind(store),
      list: async <K extends ResourceKind>(kind: K) => {
        await gate;
        return store.list(kind);
      },
    };
    const kept = await store.create('Runner', runner(runnerName(12, 1), 12));
    const { cache, changes } = cacheOver(slowStore);
    const starting = cache.start();
    await store.update('Runner', { ...kept, spec: { ...kept.spec, claim } });
    await store.create('Runner', runner(runnerName(12, 2), 12));
    await store.delete('Runner', runnerName(12, 2));
    const late = await store.create('Runner', runner(runnerName(12, 3), 12));
    releaseList();
    await starting;
    expect(cache.runner(kept.metadata.name)?.spec.claim).toEqual(claim);
    expect(cache.runner(runnerName(12, 2))).toBeUndefined();
    expect(cache.runner(late.metadata.name)).toEqual(late);
    expect(changes.map((c) => c.name).sort()).toEqual([kept.metadata.name, late.metadata.name]);
    cache.stop();
  });

  it('stops following the store after stop()', async () => {
    const { cache } = cacheOver(store);
    await cache.start();
    cache.stop();
    await store.create('Runner', runner(runnerName(12, 1), 12));
    expect(cache.runners()).toEqual([]);
  });

  it('keeps per-environment indexes right with ten thousand runners', async () => {
    // A watch-only store: events are fed straight in, so the test measures the cache, not store validation.
    let emit!: (event: WatchEvent) => void;
    const feed = {
      list: async () => [],
      watch: (listener: (event: WatchEvent) => void) => ((emit = listener), () => {}),
    };
    const { cache } = cacheOver(feed);
    await cache.start();
    let version = 0;
    const stored = (n: number) => {
      const r = runner(runnerName(n % 4, n), n % 4, n % 10 === 0 ? { claim } : {});
      return { ...r, metadata: { ...r.metadata, resourceVersion: String(++version) } } as Stored<'Runner'>;
    };
    const runners = Array.from({ length: 10_000 }, (_, n) => stored(n));
    for (const object of runners) emit({ type: 'added', kind: 'Runner', name: object.metadata.name, object });
    expect(cache.runnersOf(1)).toHaveLength(2500);
    expect(cache.countsOf(0)).toEqual({ idle: 2000, used: 500 });
    for (const object of runners.slice(0, 5000)) {
      const last = { ...object, metadata: { ...object.metadata, resourceVersion: String(++version) } };
      emit({ type: 'deleted', kind: 'Runner', name: object.metadata.name, object: last });
    }
    expect(cache.runners()).toHaveLength(5000);
    expect(cache.runnersOf(1)).toHaveLength(1250);
    expect(cache.countsOf(0)).toEqual({ idle: 1000, used: 250 });
    expect(cache.idleRunnersOf(2)).toHaveLength(1000);
    cache.stop();
  });
});
