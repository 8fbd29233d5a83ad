import pino from 'pino';
import { Registry } from 'prom-client';
import type { BackendEvent, EventFeedPort, JobSpec } from '../../reconcilers/ports';
import { FakeBackend } from '../../test/fakes/fake-backend';
import { FakeClock } from '../../test/support/fake-clock';
import { eventually } from '../../test/support/eventually';
import { ObservedCache, type ObservedCacheOptions } from './observed-cache';

const settings = { image: 'python:3.12', cpuLimit: 40, memoryLimit: 0, networkAccess: false, exposedPorts: [] };
const job = (id: string, meta: Record<string, string> = { used: 'false' }): JobSpec => ({ id, settings, meta });

let clock: FakeClock;
let backend: FakeBackend;
let registry: Registry;
let caches: ObservedCache[];

beforeEach(() => {
  clock = new FakeClock(0);
  backend = new FakeBackend();
  registry = new Registry();
  caches = [];
});

afterEach(async () => {
  await Promise.all(caches.map((c) => c.stop()));
  await backend.stop();
  expect(backend.openEventStreams).toBe(0);
});

function startCache(overrides: Partial<ObservedCacheOptions> = {}) {
  const cache = new ObservedCache({
    jobs: backend,
    feed: backend,
    clock,
    logger: pino({ level: process.env.DBG ? 'debug' : 'silent' }),
    registry,
    ...overrides,
  });
  const changes: string[][] = [];
  cache.onChange((ids) => changes.push([...ids].sort()));
  caches.push(cache);
  cache.start();
  return { cache, changes };
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const match = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return match?.value ?? 0;
}

/** Waits until the cache has applied everything the backend wrote. */
const caughtUp = (cache: ObservedCache) => eventually(() => cache.currentIndex === backend.index);

describe('ObservedCache', () => {
  it('loads the full list, announces every job and then follows the event feed', async () => {
    await backend.registerJob(job('template-1'));
    await backend.registerJob(job('1-a'));
    const { cache, changes } = startCache();
    await cache.whenSynced();
    expect(cache.synced).toBe(true);
    expect(changes[0]).toEqual(['1-a', 'template-1']);
    await backend.registerJob(job('1-b'));
    backend.setAllocationStatus('1-a', 'running');
    await caughtUp(cache);
    expect(cache.job('1-b')?.status).toBe('pending');
    expect(cache.allocations('1-a')[0]?.clientStatus).toBe('running');
    expect(changes.slice(1).flat()).toEqual(expect.arrayContaining(['1-a', '1-b']));
    expect(Object.isFrozen(cache.allocations('1-a')[0]?.taskEvents)).toBe(true);
    expect(backend.calls.listJobs).toBe(1);
    expect(backend.calls.listAllocations).toBe(1);
  });

  it('finds jobs by prefix without confusing environment 1 with environment 10', async () => {
    for (const id of ['template-1', 'template-10', '1-a', '10-b', '10-c']) await backend.registerJob(job(id));
    const { cache } = startCache();
    await cache.whenSynced();
    const ids = (prefix: string) =>
      cache
        .jobsWithPrefix(prefix)
        .map((j) => j.id)
        .sort();
    expect(ids('1-')).toEqual(['1-a']);
    expect(ids('10-')).toEqual(['10-b', '10-c']);
    expect(ids('template-')).toEqual(['template-1', 'template-10']);
    expect(ids('template-1')).toEqual(['template-1', 'template-10']);
    expect(ids('')).toHaveLength(5);
  });

  it('forgets a deregistered job and its finished allocations', async () => {
    await backend.registerJob(job('1-a'));
    const { cache } = startCache();
    await cache.whenSynced();
    await backend.deregisterJob('1-a');
    await caughtUp(cache);
    expect(cache.job('1-a')).toBeUndefined();
    expect(cache.allocations('1-a')).toEqual([]);
  });

  it('resumes from the last index after the feed drops, without re-listing', async () => {
    const { cache } = startCache();
    await cache.whenSynced();
    await backend.registerJob(job('1-a'));
    await caughtUp(cache);
    backend.breakEventStreams();
    await backend.registerJob(job('1-b'));
    await eventually(() => clock.pendingTimers === 2); // the periodic re-list and the reconnect backoff
    await clock.advanceAsync(100);
    await caughtUp(cache);
    expect(cache.job('1-b')).toBeDefined();
    expect(backend.calls.listJobs).toBe(1);
    expect(await metric('poseidon_event_feed_reconnects_total')).toBe(1);
  });

  it('re-lists and replaces the cache when events were lost while the feed was down', async () => {
    backend = new FakeBackend({ eventBufferSize: 3 });
    await backend.registerJob(job('1-gone'));
    const { cache, changes } = startCache();
    await cache.whenSynced();
    backend.breakEventStreams();
    await backend.deregisterJob('1-gone');
    for (const id of ['1-a', '1-b', '1-c']) await backend.registerJob(job(id));
    await eventually(() => clock.pendingTimers === 2);
    await clock.advanceAsync(100);
    await caughtUp(cache);
    expect(
      cache
        .jobsWithPrefix('1-')
        .map((j) => j.id)
        .sort(),
    ).toEqual(['1-a', '1-b', '1-c']);
    expect(changes.at(-1)).toEqual(['1-a', '1-b', '1-c', '1-gone']);
    expect(await metric('poseidon_cache_relists_total', { reason: 'gap' })).toBe(1);
    expect(backend.calls.listJobs).toBe(2);
  });

  it('re-lists when the backend restarted and its index went back', async () => {
    await backend.registerJob(job('1-a'));
    await backend.registerJob(job('1-b'));
    const { cache } = startCache();
    await cache.whenSynced();
    backend.restart({ resetIndex: true });
    await backend.deregisterJob('1-b');
    await eventually(() => clock.pendingTimers === 2);
    await clock.advanceAsync(100);
    await eventually(() => cache.job('1-b') === undefined);
    expect(cache.currentIndex).toBe(backend.index);
    expect(await metric('poseidon_cache_relists_total', { reason: 'gap' })).toBe(1);
  });

  it('re-lists on a periodic timer and announces every job again', async () => {
    await backend.registerJob(job('1-a'));
    const { cache, changes } = startCache({ relistIntervalMs: 60_000 });
    let resyncs = 0;
    cache.onResync(() => resyncs++);
    await cache.whenSynced();
    expect(resyncs).toBe(1);
    await clock.advanceAsync(60_000);
    await eventually(() => backend.calls.listJobs === 2);
    await eventually(() => resyncs === 2);
    expect(changes.at(-1)).toEqual(['1-a']);
    expect(await metric('poseidon_cache_relists_total', { reason: 'periodic' })).toBe(1);
  });

  it('keeps retrying the first list with backoff while the backend is down', async () => {
    backend.failNext('listJobs');
    backend.failNext('listJobs');
    const { cache } = startCache();
    await eventually(() => backend.calls.listJobs === 1);
    expect(cache.synced).toBe(false);
    await clock.advanceAsync(100);
    await eventually(() => backend.calls.listJobs === 2);
    await clock.advanceAsync(199);
    expect(cache.synced).toBe(false);
    await clock.advanceAsync(1);
    await cache.whenSynced();
  });

  it('does not open the feed when stopped while the first list is in flight', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowJobs = {
      listJobs: async (prefix: string) => {
        await gate;
        return backend.listJobs(prefix);
      },
      listAllocations: (prefix: string) => backend.listAllocations(prefix),
    };
    const { cache } = startCache({ jobs: slowJobs });
    const stopping = cache.stop();
    release();
    await stopping;
    expect(backend.calls.events).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stops its feed and timers on stop', async () => {
    const { cache } = startCache();
    await cache.whenSynced();
    await eventually(() => backend.openEventStreams === 1);
    await cache.stop();
    expect(backend.openEventStreams).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('ObservedCache index bookkeeping', () => {
  /** A feed the test scripts batch by batch. */
  function scriptedFeed(): EventFeedPort & { push(batch: BackendEvent[]): void; opened: number[] } {
    const queue: BackendEvent[][] = [];
    let wake: (() => void) | undefined;
    const opened: number[] = [];
    return {
      opened,
      push(batch) {
        queue.push(batch);
        wake?.();
      },
      async *events(fromIndex, signal) {
        opened.push(fromIndex);
        signal.addEventListener('abort', () => wake?.());
        while (!signal.aborted) {
          const next = queue.shift();
          if (next) yield next;
          else await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    };
  }

  const jobState = (id: string, index: number) => ({
    ...job(id),
    status: 'pending' as const,
    createIndex: index,
    modifyIndex: index,
    jobModifyIndex: index,
    version: 0,
  });

  it('skips a re-delivered batch and re-lists when the index goes backwards', async () => {
    await backend.registerJob(job('1-a'));
    const feed = scriptedFeed();
    const { cache, changes } = startCache({ feed });
    await cache.whenSynced();
    const listed = cache.currentIndex;
    feed.push([
      { topic: 'Job', type: 'JobRegistered', index: listed + 1, key: '1-x', job: jobState('1-x', listed + 1) },
    ]);
    await eventually(() => cache.currentIndex === listed + 1);
    feed.push([
      { topic: 'Job', type: 'JobRegistered', index: listed + 1, key: '1-y', job: jobState('1-y', listed + 1) },
    ]);
    feed.push([{ topic: 'Job', type: 'JobRegistered', index: 1, key: '1-z', job: jobState('1-z', 1) }]);
    await eventually(() => backend.calls.listJobs === 2);
    await eventually(() => feed.opened.length === 2);
    expect(cache.job('1-y')).toBeUndefined();
    expect(cache.job('1-z')).toBeUndefined();
    expect(changes.flat()).not.toContain('1-y');
    expect(await metric('poseidon_cache_relists_total', { reason: 'backwards' })).toBe(1);
  });

  it('never lets an older version of a job overwrite a newer one', async () => {
    const feed = scriptedFeed();
    const { cache } = startCache({ feed });
    await cache.whenSynced();
    const newer = { ...jobState('1-a', 5), modifyIndex: 9, meta: { used: 'true' } };
    feed.push([{ topic: 'Job', type: 'JobRegistered', index: 9, key: '1-a', job: newer }]);
    feed.push([{ topic: 'Job', type: 'JobRegistered', index: 10, key: '1-a', job: jobState('1-a', 5) }]);
    await eventually(() => cache.currentIndex === 10);
    expect(cache.job('1-a')?.meta).toEqual({ used: 'true' });
  });
});
