/**
 * The desired cache: an indexed, read-only view of the declarative store (environments by `spec.id`, runners by name
 * and by environment), loaded with a list and kept current by the store's watch. The watch is opened before the
 * list; changes committed meanwhile are replayed on top of it, skipping those the list already contains (by
 * resourceVersion). Each change costs O(1), also with tens of thousands of runners.
 */
import type { Logger } from 'pino';
import type { ResourceKind } from '../../crds/resources';
import type { ResourceStore, WatchEvent } from '../../crds/store/store';
import type { DesiredState, StoredEnvironment, StoredRunner } from '../../reconcilers/desired-state';
import type { SyncedSource } from '../runtime/source';
import { DesiredIndex, isNotOlder, type StoredResource } from './desired-index';
import { ListenerSet } from './listener-set';

/** A change of desired state, as the cache's listeners see it. */
export type DesiredChange =
  | {
      readonly type: 'added' | 'modified' | 'deleted';
      readonly kind: 'ExecutionEnvironment';
      readonly name: string;
      /** The new state; for `deleted`, the last state. */
      readonly object: StoredEnvironment;
      /** The state before this change, when the cache had one. */
      readonly previous?: StoredEnvironment;
    }
  | {
      readonly type: 'added' | 'modified' | 'deleted';
      readonly kind: 'Runner';
      readonly name: string;
      readonly object: StoredRunner;
      readonly previous?: StoredRunner;
    };

/** Options of the {@link DesiredCache}. */
export interface DesiredCacheOptions {
  store: Pick<ResourceStore, 'list' | 'watch'>;
  logger: Logger;
}

/** Indexed desired state over a ResourceStore. */
export class DesiredCache implements DesiredState, SyncedSource {
  readonly name = 'desired-cache';
  private readonly store: Pick<ResourceStore, 'list' | 'watch'>;
  private readonly logger: Logger;
  private readonly index = new DesiredIndex();
  private readonly listeners: ListenerSet<DesiredChange>;
  private readonly syncedPromise: Promise<void>;
  private resolveSynced!: () => void;
  private isSynced = false;
  /** Events that arrived while the initial list was loading. */
  private buffered: WatchEvent[] | undefined;
  private unwatch: (() => void) | undefined;

  constructor(options: DesiredCacheOptions) {
    this.store = options.store;
    this.logger = options.logger.child({ component: this.name });
    this.listeners = new ListenerSet(this.logger, 'desired change');
    this.syncedPromise = new Promise((resolve) => (this.resolveSynced = resolve));
  }

  get synced(): boolean {
    return this.isSynced;
  }

  whenSynced(): Promise<void> {
    return this.syncedPromise;
  }

  environment(id: number): StoredEnvironment | undefined {
    return this.index.environment(id);
  }

  /** The environment resource named `name` (REST-created ones are `environment-<id>`). */
  environmentNamed(name: string): StoredEnvironment | undefined {
    return this.index.environmentNamed(name);
  }

  environments(): readonly StoredEnvironment[] {
    return this.index.environments();
  }

  runner(name: string): StoredRunner | undefined {
    return this.index.runner(name);
  }

  runnersOf(environmentId: number): readonly StoredRunner[] {
    return this.index.runnersOf(environmentId);
  }

  /** Runners of the environment without a claim. */
  idleRunnersOf(environmentId: number): readonly StoredRunner[] {
    return this.index.idleRunnersOf(environmentId);
  }

  /** Idle and claimed runner counts of an environment, in O(1). */
  countsOf(environmentId: number): { idle: number; used: number } {
    return this.index.countsOf(environmentId);
  }

  runners(): readonly StoredRunner[] {
    return this.index.runners();
  }

  /**
   * Calls `listener` for every change after it is applied. After the initial list, every object is announced as
   * `added` (so sources registered before start() enqueue every key).
   */
  onChange(listener: (change: DesiredChange) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Watches, lists both kinds, replays what changed meanwhile, then announces every object. Rejects if listing fails. */
  async start(): Promise<void> {
    if (this.unwatch) return;
    this.buffered = [];
    this.unwatch = this.store.watch((event) => this.onWatchEvent(event));
    try {
      const [environments, runners] = await Promise.all([
        this.store.list('ExecutionEnvironment'),
        this.store.list('Runner'),
      ]);
      for (const env of environments) this.index.put('ExecutionEnvironment', env);
      for (const runner of runners) this.index.put('Runner', runner);
    } catch (error) {
      this.stop();
      throw error;
    }
    const replay = this.buffered;
    this.buffered = undefined;
    for (const event of replay) this.apply(event, false);
    this.isSynced = true;
    this.resolveSynced();
    this.logger.info(
      { environments: this.index.environments().length, runners: this.index.runners().length },
      'desired cache synced',
    );
    this.announceAll();
  }

  /** Stops watching; the cached state stays readable. */
  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private onWatchEvent(event: WatchEvent): void {
    if (this.buffered) this.buffered.push(event);
    else this.apply(event, true);
  }

  private apply(event: WatchEvent, notify: boolean): void {
    const kind = event.kind as ResourceKind;
    const current = this.index.get(kind, event.name);
    if (!isNotOlder(event.object, current)) return;
    const previous =
      event.type === 'deleted' ? this.index.remove(kind, event.name) : this.index.put(kind, event.object);
    if (event.type === 'deleted' && previous === undefined) return;
    if (notify) this.emit(event.type, kind, event.name, event.object, previous);
  }

  private announceAll(): void {
    for (const env of this.index.environments()) this.emit('added', 'ExecutionEnvironment', env.metadata.name, env);
    for (const runner of this.index.runners()) this.emit('added', 'Runner', runner.metadata.name, runner);
  }

  private emit(
    type: DesiredChange['type'],
    kind: ResourceKind,
    name: string,
    object: StoredResource,
    previous?: StoredResource,
  ): void {
    this.listeners.emit({ type, kind, name, object, ...(previous ? { previous } : {}) } as DesiredChange);
  }
}
