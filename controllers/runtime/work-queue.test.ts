import { Registry } from 'prom-client';
import { FakeClock, flushPromises } from '../../test/support/fake-clock';
import { bucketRateLimiter, exponentialRateLimiter } from './rate-limiter';
import { WorkQueue } from './work-queue';

function queue(clock = new FakeClock(), registry?: Registry): WorkQueue<string> {
  return new WorkQueue<string>({
    name: 'test',
    clock,
    rateLimiter: exponentialRateLimiter({ baseMs: 5, maxMs: 1000 }),
    ...(registry ? { registry } : {}),
  });
}

/** Takes every key that is ready now, without waiting. */
async function takeReady(q: WorkQueue<string>): Promise<string[]> {
  const keys: string[] = [];
  while (q.length > 0) keys.push((await q.get()) as string);
  return keys;
}

describe('WorkQueue', () => {
  it('runs a key added several times before a worker takes it only once', async () => {
    const q = queue();
    for (const key of ['a', 'b', 'a', 'a', 'b']) q.add(key);
    expect(await takeReady(q)).toEqual(['a', 'b']);
  });

  it('holds back a key re-added while it runs until the worker is done with it', async () => {
    const q = queue();
    q.add('a');
    expect(await q.get()).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    q.done('a');
    expect(await takeReady(q)).toEqual(['a']);
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('never hands one key to two concurrent getters', async () => {
    const q = queue();
    const first = q.get();
    const second = q.get();
    q.add('a');
    q.add('b');
    expect([await first, await second]).toEqual(['a', 'b']);
    q.add('a');
    let third: string | undefined = 'pending';
    void q.get().then((key) => (third = key));
    await flushPromises();
    expect(third).toBe('pending');
    q.done('a');
    await flushPromises();
    expect(third).toBe('a');
  });

  it('adds a delayed key when its time comes, keeping the earliest of several delays', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    q.addAfter('a', 100);
    q.addAfter('a', 30);
    q.addAfter('a', 60);
    clock.advance(29);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(await takeReady(q)).toEqual(['a']);
    clock.advance(100);
    expect(q.length).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('backs off a failing key exponentially and starts over after forget', () => {
    const clock = new FakeClock();
    const q = queue(clock);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = clock.now();
      q.addRateLimited('a');
      const due = clock.nextDueAt() as number;
      delays.push(due - before);
      clock.advance(due - before);
      q.get().then((key) => q.done(key as string));
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(q.numRequeues('a')).toBe(4);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('drops waiting and delayed keys on shut-down, releases blocked getters and ignores later adds', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    const blocked = q.get();
    q.add('a');
    expect(await blocked).toBe('a');
    q.add('b');
    q.addAfter('c', 10);
    const waiting = q.get();
    q.shutDown();
    q.add('d');
    expect(await q.get()).toBeUndefined();
    expect(await waiting).toBe('b');
    expect(clock.pendingTimers).toBe(0);
    let drained = false;
    void q.drained().then(() => (drained = true));
    await flushPromises();
    expect(drained).toBe(false);
    q.done('a');
    q.done('b');
    await flushPromises();
    expect(drained).toBe(true);
  });

  it('reports depth, adds, retries and durations labelled by queue name', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const q = queue(clock, registry);
    q.add('a');
    q.add('a');
    q.add('b');
    q.addRateLimited('c');
    const depth = await registry.getSingleMetric('workqueue_depth')?.get();
    expect(depth?.values).toEqual([{ labels: { name: 'test' }, value: 2 }]);
    clock.advance(50);
    const key = (await q.get()) as string;
    clock.advance(20);
    q.done(key);
    const text = await registry.metrics();
    expect(text).toContain('workqueue_adds_total{name="test"} 3');
    expect(text).toContain('workqueue_retries_total{name="test"} 1');
    expect(text).toContain('workqueue_queue_duration_seconds_sum{name="test"} 0.05');
    expect(text).toContain('workqueue_work_duration_seconds_sum{name="test"} 0.02');
  });
});

describe('rate limiters', () => {
  it('reports the unfinished work and the longest running key at scrape time, per queue', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const first = queue(clock, registry);
    const second = new WorkQueue<string>({ name: 'other', clock, registry });
    first.add('a');
    first.add('b');
    expect(await first.get()).toBe('a');
    clock.advance(3000);
    expect(await first.get()).toBe('b');
    clock.advance(1500);
    second.add('c');
    const text = await registry.metrics();
    expect(text).toContain('workqueue_unfinished_work_seconds{name="test"} 6');
    expect(text).toContain('workqueue_longest_running_processor_seconds{name="test"} 4.5');
    expect(text).toContain('workqueue_longest_running_processor_seconds{name="other"} 0');
    first.done('a');
    first.done('b');
    const after = await registry.metrics();
    expect(after).toContain('workqueue_unfinished_work_seconds{name="test"} 0');
    first.shutDown();
    expect(await registry.metrics()).not.toContain('workqueue_unfinished_work_seconds{name="test"}');
  });

  it('caps the exponential backoff at its maximum', () => {
    const limiter = exponentialRateLimiter<string>({ baseMs: 5, maxMs: 1000 });
    const delays = Array.from({ length: 12 }, () => limiter.when('a'));
    expect(delays.slice(0, 3)).toEqual([5, 10, 20]);
    expect(delays.at(-1)).toBe(1000);
    expect(limiter.when('b')).toBe(5);
  });

  it('lets a burst through at once and then spaces retries at the bucket rate', () => {
    const clock = new FakeClock();
    const limiter = bucketRateLimiter<string>(clock, { qps: 10, burst: 3 });
    expect([limiter.when('a'), limiter.when('b'), limiter.when('c')]).toEqual([0, 0, 0]);
    expect([limiter.when('d'), limiter.when('e')]).toEqual([100, 200]);
    clock.advance(1000);
    expect(limiter.when('f')).toBe(0);
  });
});
