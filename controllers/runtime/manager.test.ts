import pino from 'pino';
import { FakeClock } from '../../test/support/fake-clock';
import { eventually } from '../../test/support/eventually';
import { Controller } from './controller';
import { Manager } from './manager';
import type { Reconciler } from './reconciler';
import { changeSource, type SyncedSource } from './source';

const silent = pino({ level: 'silent' });

/** A cache whose first list completes when the test says so. */
function manualCache(name: string, events: string[]): SyncedSource & { sync(): void } {
  let resolve!: () => void;
  const synced = new Promise<void>((r) => (resolve = r));
  const cache = {
    name,
    synced: false,
    start: () => void events.push(`start ${name}`),
    stop: () => void events.push(`stop ${name}`),
    whenSynced: () => synced,
    sync() {
      cache.synced = true;
      resolve();
    },
  };
  return cache;
}

function recordingController(clock: FakeClock, reconciled: string[]): Controller {
  const reconciler: Reconciler = {
    name: 'recording',
    reconcile: async (key) => void reconciled.push(key),
  };
  return new Controller({ reconciler, logger: silent, clock });
}

describe('Manager', () => {
  it('starts workers only after every cache synced, with keys enqueued meanwhile', async () => {
    const events: string[] = [];
    const reconciled: string[] = [];
    const clock = new FakeClock();
    const controller = recordingController(clock, reconciled);
    const a = manualCache('a', events);
    const b = manualCache('b', events);
    const listeners = new Set<(key: string) => void>();
    const feed = changeSource<string>(
      'feed',
      (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      (key) => controller.enqueue(key),
    );
    const manager = new Manager({ logger: silent }).addSource(a).addSource(feed).addSource(b).addController(controller);
    const started = manager.start();
    await eventually(() => events.length === 2);
    expect(events).toEqual(['start a', 'start b']);
    for (const listener of listeners) listener('12');
    a.sync();
    await new Promise((resolve) => setImmediate(resolve));
    expect(manager.running).toBe(false);
    expect(reconciled).toEqual([]);
    b.sync();
    await started;
    expect(manager.running).toBe(true);
    await eventually(() => reconciled.includes('12'));
    await manager.stop();
    expect(events.slice(2)).toEqual(['stop b', 'stop a']);
    expect(listeners.size).toBe(0);
  });

  it('rejects start and stops the started sources when stopped before the caches synced', async () => {
    const events: string[] = [];
    const cache = manualCache('a', events);
    const reconciled: string[] = [];
    const controller = recordingController(new FakeClock(), reconciled);
    const manager = new Manager({ logger: silent }).addSource(cache).addController(controller);
    const started = manager.start();
    await eventually(() => events.includes('start a'));
    await manager.stop();
    await expect(started).rejects.toThrow(/stopped before its caches synced/);
    expect(events).toEqual(['start a', 'stop a']);
    expect(controller.started).toBe(false);
  });

  it('stops the sources already started when one fails to start', async () => {
    const events: string[] = [];
    const failing = { name: 'broken', start: () => Promise.reject(new Error('no backend')), stop: () => undefined };
    const healthy = { name: 'a', start: () => void events.push('start a'), stop: () => void events.push('stop a') };
    const manager = new Manager({ logger: silent }).addSource(healthy).addSource(failing);
    await expect(manager.start()).rejects.toThrow('no backend');
    expect(events).toEqual(['start a', 'stop a']);
  });

  it('refuses registrations after start', async () => {
    const manager = new Manager({ logger: silent });
    await manager.start();
    expect(() => manager.addSource(manualCache('late', []))).toThrow(/only allowed before start/);
    await manager.stop();
  });
});
