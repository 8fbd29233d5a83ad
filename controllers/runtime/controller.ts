/**
 * A controller: one work queue of keys, one reconciler, N workers. Workers take a key, reconcile it and apply the
 * result contract: done -> forget the backoff; `{ requeueAfter > 0 }` -> add after that delay; `{ requeueAfter <= 0 }`
 * -> rate-limited re-add; error -> rate-limited re-add; terminal error -> forget. A key never runs on two workers at
 * once (the queue guarantees it).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorCodeOf } from '../../crds/errors';
import { controllerMetrics, type ControllerMetrics, type ReconcileOutcome } from '../metrics/controller-metrics';
import type { RateLimiter } from './rate-limiter';
import { isTerminalError, type ReconcileResult, type Reconciler } from './reconciler';
import type { RuntimeClock } from './timers';
import { WorkQueue } from './work-queue';

/** Options of a {@link Controller}. */
export interface ControllerOptions<K> {
  reconciler: Reconciler<K>;
  logger: Logger;
  clock: RuntimeClock;
  /** Where queue and reconcile metrics go. Default: none. */
  registry?: Registry;
  /** Concurrent workers. Default 1. */
  workers?: number;
  /** Default: the queue's default rate limiter. */
  rateLimiter?: RateLimiter<K>;
  /** Reconcile id generator. Default: random UUIDs. */
  newId?: () => string;
  /** Renders a key for logs. Default: `String(key)`. */
  formatKey?: (key: K) => string;
}

/** A running reconcile, so stop() can abort it after the drain timeout. */
interface Running {
  readonly abort: AbortController;
}

/** Queue + reconciler + workers. Create it, let sources enqueue keys, then {@link start} (the Manager does this). */
export class Controller<K = string> {
  readonly name: string;
  readonly queue: WorkQueue<K>;
  private readonly reconciler: Reconciler<K>;
  private readonly logger: Logger;
  private readonly clock: RuntimeClock;
  private readonly workerCount: number;
  private readonly newId: () => string;
  private readonly formatKey: (key: K) => string;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly running = new Set<Running>();
  private workers: Promise<void>[] = [];

  constructor(options: ControllerOptions<K>) {
    this.reconciler = options.reconciler;
    this.name = options.reconciler.name;
    this.logger = options.logger.child({ controller: this.name });
    this.clock = options.clock;
    this.workerCount = Math.max(1, options.workers ?? 1);
    this.newId = options.newId ?? randomUUID;
    this.formatKey = options.formatKey ?? String;
    this.queue = new WorkQueue<K>({
      name: this.name,
      clock: options.clock,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    });
    this.metrics = options.registry ? controllerMetrics(options.registry, this.name, this.workerCount) : undefined;
  }

  /** True once the workers run. */
  get started(): boolean {
    return this.workers.length > 0;
  }

  /** Enqueues a key (de-duplicated). */
  enqueue(key: K): void {
    this.queue.add(key);
  }

  /** Enqueues a key after `delayMs`. */
  enqueueAfter(key: K, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /** Starts the workers (idempotent). */
  start(): void {
    if (this.started || this.queue.isShuttingDown) return;
    this.workers = Array.from({ length: this.workerCount }, () => this.work());
  }

  /**
   * Stops taking keys and waits for running reconciles to finish, at most `timeoutMs` (default 15 s); then aborts
   * their signals and returns without waiting further.
   */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.queue.shutDown();
    const finished = Promise.all(this.workers).then(() => true);
    let timer: ReturnType<RuntimeClock['setTimeout']> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(false), timeoutMs);
    });
    const inTime = await Promise.race([finished, timedOut]);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    if (!inTime) {
      this.logger.warn({ running: this.running.size, timeoutMs }, 'reconciles still running at stop; aborting them');
      for (const run of this.running) run.abort.abort();
    }
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      this.metrics?.activeWorkers(1);
      try {
        await this.reconcileKey(key);
      } finally {
        this.metrics?.activeWorkers(-1);
        this.queue.done(key);
      }
    }
  }

  private async reconcileKey(key: K): Promise<void> {
    const reconcileId = this.newId();
    const logger = this.logger.child({ key: this.formatKey(key), reconcileId });
    const run: Running = { abort: new AbortController() };
    this.running.add(run);
    const startedAt = this.clock.now();
    let outcome: ReconcileOutcome;
    try {
      const result = await this.reconciler.reconcile(key, { logger, reconcileId, signal: run.abort.signal });
      outcome = this.applyResult(key, result);
    } catch (error) {
      outcome = this.applyError(key, error, logger);
    } finally {
      this.running.delete(run);
    }
    this.metrics?.reconciled(outcome, this.clock.now() - startedAt);
  }

  private applyResult(key: K, result: ReconcileResult): ReconcileOutcome {
    const requeueAfter = result?.requeueAfter;
    if (requeueAfter === undefined) {
      this.queue.forget(key);
      return 'success';
    }
    if (requeueAfter <= 0 || !Number.isFinite(requeueAfter)) {
      this.queue.addRateLimited(key);
      return 'requeue';
    }
    this.queue.forget(key);
    this.queue.addAfter(key, requeueAfter);
    return 'requeue_after';
  }

  private applyError(key: K, error: unknown, logger: Logger): ReconcileOutcome {
    if (isTerminalError(error)) {
      this.queue.forget(key);
      logger.error({ err: error }, 'reconcile failed terminally; not retrying');
      return 'terminal';
    }
    this.queue.addRateLimited(key);
    const fields = { err: error, retries: this.queue.numRequeues(key) };
    // A conflict is optimistic concurrency doing its job; transient backend failures are expected now and then.
    if (errorCodeOf(error) === 'Conflict') logger.debug(fields, 'reconcile hit a conflict; retrying');
    else if ((error as { retryable?: unknown } | null)?.retryable === true)
      logger.warn(fields, 'reconcile failed; retrying');
    else logger.error(fields, 'reconcile failed; retrying with backoff');
    return 'error';
  }
}
