import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { PoseidonError } from '../../crds/errors';
import { FakeClock } from '../../test/support/fake-clock';
import { eventually } from '../../test/support/eventually';
import { createLogger } from '../logging';
import { Controller } from './controller';
import { exponentialRateLimiter } from './rate-limiter';
import { terminalError, type ReconcileContext, type ReconcileResult, type Reconciler } from './reconciler';

/** Log lines written by a logger, parsed. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

type Step = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult>;

/** A reconciler whose behaviour per call is scripted; it records when each call ran. */
function scripted(step: Step): Reconciler & { runs: { key: string; at: number }[] } {
  const runs: { key: string; at: number }[] = [];
  return {
    name: 'test',
    runs,
    async reconcile(key, ctx) {
      runs.push({ key, at: clock.now() });
      return step(key, ctx);
    },
  };
}

let clock: FakeClock;
let controllers: Controller[];

function controllerFor(reconciler: Reconciler, options: { workers?: number; registry?: Registry } = {}) {
  const { logger, lines } = captureLogger();
  const controller = new Controller<string>({
    reconciler,
    logger,
    clock,
    rateLimiter: exponentialRateLimiter({ baseMs: 5, maxMs: 1000 }),
    newId: (() => {
      let n = 0;
      return () => `r${++n}`;
    })(),
    ...options,
  });
  controllers.push(controller);
  return { controller, lines };
}

beforeEach(() => {
  clock = new FakeClock(0);
  controllers = [];
});

afterEach(async () => {
  await Promise.all(controllers.map((c) => c.stop(0)));
});

describe('Controller', () => {
  it('reconciles an enqueued key once and forgets its backoff on success', async () => {
    const reconciler = scripted(async () => undefined);
    const { controller } = controllerFor(reconciler);
    controller.enqueue('a');
    controller.enqueue('a');
    controller.start();
    await eventually(() => reconciler.runs.length === 1);
    await clock.advanceAsync(10_000);
    expect(reconciler.runs).toEqual([{ key: 'a', at: 0 }]);
    expect(controller.queue.numRequeues('a')).toBe(0);
  });

  it('retries a failing key with growing delays until it succeeds', async () => {
    let failures = 3;
    const reconciler = scripted(async () => {
      if (failures-- > 0) throw new Error('backend hiccup');
    });
    const { controller, lines } = controllerFor(reconciler);
    controller.start();
    controller.enqueue('a');
    await eventually(() => reconciler.runs.length === 1);
    for (let i = 0; i < 3; i++) await clock.advanceAsync(clock.nextDueAt()! - clock.now());
    await eventually(() => reconciler.runs.length === 4);
    expect(reconciler.runs.map((r) => r.at)).toEqual([0, 5, 15, 35]);
    expect(controller.queue.numRequeues('a')).toBe(0);
    expect(lines.filter((l) => l.msg === 'reconcile failed; retrying with backoff')).toHaveLength(3);
  });

  it('does not retry a terminal error but counts it', async () => {
    const registry = new Registry();
    const reconciler = scripted(async () => {
      throw terminalError('spec.image is empty');
    });
    const { controller, lines } = controllerFor(reconciler, { registry });
    controller.start();
    controller.enqueue('a');
    await eventually(() => lines.some((l) => l.msg === 'reconcile failed terminally; not retrying'));
    await clock.advanceAsync(60_000);
    expect(reconciler.runs).toHaveLength(1);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="error"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="test"} 1');
    expect(text).toContain('controller_runtime_terminal_reconcile_errors_total{controller="test"} 1');
    expect(text).not.toContain('result="terminal"');
  });

  it('runs a key again after the requested delay', async () => {
    const registry = new Registry();
    const reconciler = scripted(async () => (reconciler.runs.length === 1 ? { requeueAfter: 30_000 } : undefined));
    const { controller } = controllerFor(reconciler, { registry });
    controller.start();
    controller.enqueue('a');
    await eventually(() => reconciler.runs.length === 1);
    await clock.advanceAsync(29_999);
    expect(reconciler.runs).toHaveLength(1);
    await clock.advanceAsync(1);
    await eventually(() => reconciler.runs.length === 2);
    expect(reconciler.runs[1]?.at).toBe(30_000);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="requeue_after"} 1');
    expect(text).toContain('controller_runtime_reconcile_total{controller="test",result="success"} 1');
  });

  it('never runs one key on two workers at once, while different keys run in parallel', async () => {
    const active = new Map<string, number>();
    let maxSameKey = 0;
    let maxParallel = 0;
    const reconciler = scripted(async (key) => {
      active.set(key, (active.get(key) ?? 0) + 1);
      maxSameKey = Math.max(maxSameKey, active.get(key)!);
      maxParallel = Math.max(
        maxParallel,
        [...active.values()].reduce((a, b) => a + b, 0),
      );
      await new Promise((resolve) => setImmediate(resolve));
      active.set(key, active.get(key)! - 1);
    });
    const { controller } = controllerFor(reconciler, { workers: 4 });
    controller.start();
    for (let round = 0; round < 20; round++) {
      for (const key of ['a', 'b', 'c', 'd']) controller.enqueue(key);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(() => controller.queue.length === 0 && controller.queue.processingCount === 0);
    expect(maxSameKey).toBe(1);
    expect(maxParallel).toBeGreaterThan(1);
  });

  it('gives each reconcile a child logger with controller, key and reconcile id', async () => {
    const reconciler = scripted(async (_key, ctx) => ctx.logger.info('converged'));
    const { controller, lines } = controllerFor(reconciler);
    controller.start();
    controller.enqueue('12');
    await eventually(() => lines.some((l) => l.msg === 'converged'));
    expect(lines.find((l) => l.msg === 'converged')).toMatchObject({
      controller: 'test',
      key: '12',
      reconcileId: 'r1',
    });
  });

  it('logs a conflict at debug level and retries it', async () => {
    let conflicts = 1;
    const reconciler = scripted(async () => {
      if (conflicts-- > 0) throw new PoseidonError('Conflict', 'stale resourceVersion');
    });
    const { controller, lines } = controllerFor(reconciler);
    controller.start();
    controller.enqueue('a');
    await eventually(() => reconciler.runs.length === 1);
    await clock.advanceAsync(5);
    await eventually(() => reconciler.runs.length === 2);
    expect(lines.find((l) => l.msg === 'reconcile hit a conflict; retrying')).toMatchObject({ level: 'debug' });
  });

  it('lets a running reconcile finish on stop and drops keys that were still waiting', async () => {
    let release!: () => void;
    const reconciler = scripted(async (key) => {
      if (key === 'slow') await new Promise<void>((resolve) => (release = resolve));
    });
    const { controller } = controllerFor(reconciler);
    controller.start();
    controller.enqueue('slow');
    await eventually(() => reconciler.runs.length === 1);
    controller.enqueue('waiting');
    let stopped = false;
    const stopping = controller.stop(1000).then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(reconciler.runs.map((r) => r.key)).toEqual(['slow']);
  });

  it('aborts a reconcile that outlives the stop timeout', async () => {
    let aborted = false;
    const reconciler = scripted(
      (_key, ctx) =>
        new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          }),
        ),
    );
    const { controller } = controllerFor(reconciler);
    controller.start();
    controller.enqueue('a');
    await eventually(() => reconciler.runs.length === 1);
    const stopping = controller.stop(500);
    await clock.advanceAsync(500);
    await stopping;
    expect(aborted).toBe(true);
  });
});
