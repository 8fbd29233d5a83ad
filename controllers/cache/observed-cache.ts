/**
 * The observed cache: one read-only view of the backend, fed by a full list (`listJobs('')` + `listAllocations('')`)
 * and then the event feed from the list's index on. Index bookkeeping: events at or below the last applied index are
 * duplicates and skipped; an index below it means the backend's index went backwards. A broken feed is reopened from
 * the last index with exponential backoff; a gap (events may have been lost) or an index going backwards triggers a
 * full re-list that replaces the cache. A periodic re-list re-announces every job id: the level-triggered safety net.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { PoseidonError, errorCodeOf } from '../../crds/errors';
import type {
  AllocationState,
  BackendEvent,
  EventFeedPort,
  JobState,
  JobsPort,
  ObservedState,
} from '../../reconcilers/ports';
import { cacheMetrics, type CacheMetrics, type RelistReason } from '../metrics/cache-metrics';
import type { SyncedSource } from '../runtime/source';
import type { RuntimeClock, TimerHandle } from '../runtime/timers';
import { ListenerSet } from './listener-set';
import { ObservedIndex } from './observed-index';

/** Options of the {@link ObservedCache}. */
export interface ObservedCacheOptions {
  jobs: Pick<JobsPort, 'listJobs' | 'listAllocations'>;
  feed: EventFeedPort;
  clock: RuntimeClock;
  logger: Logger;
  /** Where the cache metrics go. Default: none. */
  registry?: Registry;
  /** Period of the safety-net re-list in ms; 0 = never. Default 60,000. */
  relistIntervalMs?: number;
  /** First reconnect delay in ms (doubling per consecutive failure). Default 100. */
  reconnectBaseMs?: number;
  /** Largest reconnect delay in ms. Default 30,000. */
  reconnectMaxMs?: number;
}

const NO_METRICS: CacheMetrics = {
  reconnected: () => undefined,
  relisted: () => undefined,
  lastIndex: () => undefined,
  objects: () => undefined,
};

/** True for the feed's "events may have been lost" error. */
function isGap(error: unknown): boolean {
  return errorCodeOf(error) === 'Conflict' && (error as { details?: { reason?: unknown } }).details?.reason === 'gap';
}

/** The backend's observed state, kept current by list + event feed. */
export class ObservedCache implements ObservedState, SyncedSource {
  readonly name = 'observed-cache';
  private readonly options: ObservedCacheOptions;
  private readonly logger: Logger;
  private readonly metrics: CacheMetrics;
  private readonly index = new ObservedIndex();
  private readonly changeListeners: ListenerSet<readonly string[]>;
  private readonly resyncListeners: ListenerSet<void>;
  private readonly syncedPromise: Promise<void>;
  private resolveSynced!: () => void;
  private isSynced = false;
  private lastIndex = 0;
  private relistReason: RelistReason | undefined = 'initial';
  private failures = 0;
  private lastFailureWasGap = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private streamAbort: AbortController | undefined;
  private relistTimer: TimerHandle | undefined;
  private wakeSleep: (() => void) | undefined;
  /** Job ids of a re-list not yet announced to listeners. */
  private pendingAnnouncement: string[] | undefined;

  constructor(options: ObservedCacheOptions) {
    this.options = options;
    this.logger = options.logger.child({ component: this.name });
    this.metrics = options.registry ? cacheMetrics(options.registry) : NO_METRICS;
    this.changeListeners = new ListenerSet(this.logger, 'change');
    this.resyncListeners = new ListenerSet(this.logger, 'resync');
    this.syncedPromise = new Promise((resolve) => (this.resolveSynced = resolve));
  }

  get synced(): boolean {
    return this.isSynced;
  }

  /** Backend index of the last applied list or event. */
  get currentIndex(): number {
    return this.lastIndex;
  }

  whenSynced(): Promise<void> {
    return this.syncedPromise;
  }

  job(id: string): JobState | undefined {
    return this.index.job(id);
  }

  jobsWithPrefix(prefix: string): readonly JobState[] {
    return this.index.jobsWithPrefix(prefix);
  }

  allocations(jobId: string): readonly AllocationState[] {
    return this.index.allocations(jobId);
  }

  /** Calls `listener` with the ids of jobs whose job or allocations changed (every id after a re-list). */
  onChange(listener: (jobIds: readonly string[]) => void): () => void {
    return this.changeListeners.add(listener);
  }

  /** Calls `listener` after every full re-list (after the change notification with every id). */
  onResync(listener: () => void): () => void {
    return this.resyncListeners.add(listener);
  }

  /** Starts listing and watching in the background; {@link whenSynced} resolves after the first list. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops watching and waits for the background loop to end. The cached state stays readable. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.streamAbort?.abort();
    this.wakeSleep?.();
    if (this.relistTimer !== undefined) this.options.clock.clearTimeout(this.relistTimer);
    await this.loop;
  }

  /** Re-lists as soon as possible (the open feed is closed and reopened after the list). */
  requestRelist(reason: RelistReason = 'requested'): void {
    this.relistReason ??= reason;
    this.streamAbort?.abort();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const openedAt = this.options.clock.now();
      try {
        const reason = this.relistReason;
        if (reason !== undefined) await this.relist(reason);
        await this.watch();
      } catch (error) {
        if (this.stopped) break;
        this.announce();
        await this.recover(error, openedAt);
      }
    }
  }

  /** Lists everything and replaces the cache; the change is announced once the feed is open (see watch). */
  private async relist(reason: RelistReason): Promise<void> {
    const { jobs, clock } = this.options;
    // Cleared before listing, so a request arriving while the lists are in flight leads to one more re-list.
    this.relistReason = undefined;
    let lists;
    try {
      lists = await Promise.all([jobs.listJobs(''), jobs.listAllocations('')]);
    } catch (error) {
      this.relistReason ??= reason;
      throw error;
    }
    const [jobList, allocationList] = lists;
    const before = this.index.ids();
    this.index.replace(jobList.items, allocationList.items);
    this.lastIndex = Math.min(jobList.index, allocationList.index);
    const size = this.index.size;
    this.metrics.relisted(reason);
    this.metrics.lastIndex(this.lastIndex);
    this.metrics.objects(size.jobs, size.allocations);
    const level = reason === 'periodic' ? 'debug' : 'info';
    this.logger[level]({ reason, index: this.lastIndex, ...size }, 'observed cache re-listed');
    this.scheduleRelist(clock);
    this.pendingAnnouncement = [...new Set([...before, ...this.index.ids()])];
  }

  /** Marks the cache synced and tells listeners about a re-list (every id), once per re-list. */
  private announce(): void {
    const ids = this.pendingAnnouncement;
    if (ids === undefined) return;
    this.pendingAnnouncement = undefined;
    if (!this.isSynced) {
      this.isSynced = true;
      this.resolveSynced();
    }
    this.changeListeners.emit(ids);
    this.resyncListeners.emit();
  }

  /**
   * Follows the feed from the last index. The first read is issued before a re-list is announced, so a write made by
   * a listener (or anyone woken by whenSynced) cannot slip between the list and the subscription.
   */
  private async watch(): Promise<void> {
    if (this.stopped) return;
    const abort = new AbortController();
    this.streamAbort = abort;
    const iterator = this.options.feed.events(this.lastIndex, abort.signal)[Symbol.asyncIterator]();
    try {
      let next = iterator.next();
      this.announce();
      for (let result = await next; result.done !== true; result = await next) {
        this.failures = 0;
        this.lastFailureWasGap = false;
        this.applyBatch(result.value);
        if (abort.signal.aborted) break;
        next = iterator.next();
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      this.streamAbort = undefined;
      abort.abort();
      iterator.return?.().catch(() => undefined);
    }
    if (this.stopped || this.relistReason !== undefined) return;
    throw new PoseidonError('BackendUnavailable', 'the event feed ended');
  }

  private applyBatch(batch: readonly BackendEvent[]): void {
    const start = this.lastIndex;
    const changed = new Set<string>();
    for (const event of batch) {
      if (event.index < start) {
        this.logger.warn({ index: event.index, lastIndex: start }, 'backend index went backwards; re-listing');
        this.requestRelist('backwards');
        return;
      }
      if (event.index === start) continue;
      const jobId = this.index.apply(event);
      if (jobId !== undefined) changed.add(jobId);
      this.lastIndex = Math.max(this.lastIndex, event.index);
    }
    this.metrics.lastIndex(this.lastIndex);
    if (changed.size > 0) this.changeListeners.emit([...changed]);
  }

  /** Decides what follows a failure: an immediate re-list for a first gap, else a reconnect after a backoff. */
  private async recover(error: unknown, openedAt: number): Promise<void> {
    const { clock, reconnectBaseMs = 100, reconnectMaxMs = 30_000 } = this.options;
    // A feed that stayed open for a while was healthy: start the backoff over.
    if (clock.now() - openedAt > reconnectMaxMs) this.failures = 0;
    this.failures++;
    if (isGap(error)) {
      const repeated = this.lastFailureWasGap;
      this.lastFailureWasGap = true;
      this.relistReason ??= 'gap';
      this.logger.info({ lastIndex: this.lastIndex, reason: (error as Error).message }, 'event feed gap; re-listing');
      // The first gap re-lists at once; gaps in a row (a feed buffer too small to catch up) back off.
      if (!repeated) return;
    } else {
      this.lastFailureWasGap = false;
      this.metrics.reconnected();
      this.logger.warn({ err: error, failures: this.failures }, 'event feed or list failed; reconnecting');
    }
    await this.sleep(Math.min(reconnectMaxMs, reconnectBaseMs * 2 ** (this.failures - 1)));
  }

  private scheduleRelist(clock: RuntimeClock): void {
    const interval = this.options.relistIntervalMs ?? 60_000;
    if (this.relistTimer !== undefined) clock.clearTimeout(this.relistTimer);
    this.relistTimer = undefined;
    if (interval <= 0 || this.stopped) return;
    this.relistTimer = clock.setTimeout(() => {
      this.relistTimer = undefined;
      this.requestRelist('periodic');
    }, interval);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.wakeSleep = undefined;
        resolve();
      };
      const timer = this.options.clock.setTimeout(done, ms);
      this.wakeSleep = () => {
        this.options.clock.clearTimeout(timer);
        done();
      };
    });
  }
}
