/**
 * The Manager runs sources and controllers in the right order: plain sources (subscriptions) first, then caches;
 * it waits until every cache has loaded its first full list, then starts the controllers' workers. `stop()` drains
 * the controllers (running reconciles finish, bounded by a timeout) and then stops the sources in reverse order.
 */
import type { Logger } from 'pino';
import { PoseidonError } from '../../crds/errors';
import { isSyncedSource, type Source, type SyncedSource } from './source';

/** What the Manager needs of a controller. */
export interface Runnable {
  readonly name: string;
  start(): void;
  stop(timeoutMs?: number): Promise<void>;
}

/** Options of the {@link Manager}. */
export interface ManagerOptions {
  logger: Logger;
  /** How long stop() lets running reconciles finish, in ms. Default 15,000 (the original's graceful shutdown). */
  stopTimeoutMs?: number;
}

/** Starts and stops sources and controllers of one process. */
export class Manager {
  private readonly logger: Logger;
  private readonly stopTimeoutMs: number;
  private readonly sources: Source[] = [];
  private readonly controllers: Runnable[] = [];
  private readonly started: Source[] = [];
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private cancelStart: ((error: Error) => void) | undefined;
  private starting: Promise<void> | undefined;

  constructor(options: ManagerOptions) {
    this.logger = options.logger.child({ component: 'manager' });
    this.stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  }

  /** True once every cache is synced and the controllers run. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** Registers a source or cache. Only before start(). */
  addSource(source: Source): this {
    this.assertNew('addSource');
    this.sources.push(source);
    return this;
  }

  /** Registers a controller. Only before start(). */
  addController(controller: Runnable): this {
    this.assertNew('addController');
    this.controllers.push(controller);
    return this;
  }

  /**
   * Starts sources, waits for every cache's first full list, then starts the controllers. Rejects when a source
   * fails to start or when stop() is called before the caches synced (the started sources are stopped again).
   */
  start(): Promise<void> {
    this.assertNew('start');
    this.state = 'starting';
    this.starting = this.run();
    return this.starting;
  }

  private async run(): Promise<void> {
    const caches = this.sources.filter(isSyncedSource);
    const ordered = [...this.sources.filter((s) => !isSyncedSource(s)), ...caches];
    try {
      for (const source of ordered) {
        this.assertStarting();
        await source.start();
        this.started.push(source);
      }
      this.assertStarting();
      await this.waitForSync(caches);
    } catch (error) {
      await this.stopSources();
      this.state = 'stopped';
      throw error;
    }
    if (this.state !== 'starting') return;
    for (const controller of this.controllers) controller.start();
    this.state = 'running';
    this.logger.info({ controllers: this.controllers.map((c) => c.name) }, 'caches synced; controllers started');
  }

  /** Drains the controllers (bounded by the stop timeout), then stops the sources in reverse order. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasStarting = this.state === 'starting';
    this.state = 'stopped';
    if (wasStarting) {
      this.cancelStart?.(stoppedBeforeSync());
      await this.starting?.catch(() => undefined);
      await this.stopSources();
      return;
    }
    await Promise.all(this.controllers.map((controller) => controller.stop(this.stopTimeoutMs)));
    await this.stopSources();
    this.logger.info('controllers and sources stopped');
  }

  private async waitForSync(caches: readonly SyncedSource[]): Promise<void> {
    const cancelled = new Promise<never>((_, reject) => {
      this.cancelStart = reject;
    });
    try {
      await Promise.race([Promise.all(caches.map((cache) => cache.whenSynced())), cancelled]);
    } finally {
      this.cancelStart = undefined;
    }
  }

  private async stopSources(): Promise<void> {
    for (const source of this.started.splice(0).reverse()) {
      try {
        await source.stop();
      } catch (error) {
        this.logger.error({ err: error, source: source.name }, 'source failed to stop');
      }
    }
  }

  private assertStarting(): void {
    if (this.state !== 'starting') throw stoppedBeforeSync();
  }

  private assertNew(what: string): void {
    if (this.state !== 'new') throw new PoseidonError('Internal', `Manager.${what} is only allowed before start()`);
  }
}

function stoppedBeforeSync(): PoseidonError {
  return new PoseidonError('Internal', 'the manager was stopped before its caches synced');
}
