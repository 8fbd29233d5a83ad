/**
 * The file-backed {@link ResourceStore}, the embedded default. Every object lives in memory (the shared
 * {@link ObjectTable}); every write is appended to a write-ahead log and fdatasync'ed before its promise resolves,
 * with group commit (writes arriving during a sync share the next one). The log is compacted into a snapshot in the
 * background when it grows. A kill at any instant leaves the old or the new state: on open, the snapshot is loaded and
 * the log replayed up to its first torn record. An exclusive lock keeps a second process out.
 *
 * Reads are linearizable: a read of an object with a write in flight waits for that write to be durable, so nobody
 * ever sees state a crash could take back.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { PoseidonError } from '../errors';
import type { ResourceByKind, ResourceKind } from '../resources';
import { ObjectTable, type WriteOutcome } from './object-table';
import { encodeRecord } from './record-codec';
import { writeSnapshot } from './snapshot-file';
import { acquireStoreLock, type StoreLock } from './store-lock';
import { recoverStore, type LogRecord, type RecoveryReport } from './store-recovery';
import { listWalFiles } from './store-files';
import type { DeleteOptions, NewResource, ResourceStore, Stored, WatchEvent } from './store';
import { WatchHub, type ListenerErrorHandler } from './watch-hub';
import { WriteAheadLog } from './write-ahead-log';

/** The logging the store does (a pino logger fits). */
export interface StoreLogger {
  warn(fields: object, message: string): void;
}

/** Options of {@link FileStore.open}. */
export interface FileStoreOptions {
  /** Source of `creationTimestamp`s; defaults to the system clock. */
  clock?: () => Date;
  /** Source of `uid`s; defaults to random UUIDs. */
  uid?: () => string;
  /** Receives errors thrown by watch listeners; defaults to a process warning. */
  onListenerError?: ListenerErrorHandler;
  /** Compacts once the log holds more than max(this, twice the last snapshot) bytes. Default 16 MiB. */
  compactAfterBytes?: number;
  /** Told about recovered damage and failed compactions. Default: silent. */
  logger?: StoreLogger;
}

const DEFAULT_COMPACT_AFTER_BYTES = 16 * 1024 * 1024;
const SILENT: StoreLogger = { warn: () => undefined };

interface InFlight {
  token: number;
  settled: Promise<void>;
}

/** {@link ResourceStore} persisted in a directory (see the module comment). */
export class FileStore implements ResourceStore {
  private readonly hub: WatchHub;
  private readonly logger: StoreLogger;
  private readonly inFlight = new Map<string, InFlight>();
  private lastWrite: InFlight | undefined;
  private broken: Error | undefined;
  private closing: Promise<void> | undefined;
  private compacting: Promise<void> | undefined;
  private log!: WriteAheadLog;

  private constructor(
    /** The store's directory. */
    readonly dir: string,
    private readonly table: ObjectTable,
    private readonly lock: StoreLock,
    /** What recovery found when the store was opened. */
    readonly recovery: RecoveryReport,
    private readonly options: FileStoreOptions,
    private snapshotBytes: number,
  ) {
    this.hub = new WatchHub(options.onListenerError);
    this.logger = options.logger ?? SILENT;
  }

  /**
   * Opens (creating it when missing) the store in `dir`: takes the lock, recovers the state and opens the log.
   * Throws `BackendUnavailable` when another live process holds the store, `Internal` when its snapshot is damaged.
   */
  static async open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = await acquireStoreLock(dir);
    try {
      const table = new ObjectTable({ clock: options.clock ?? (() => new Date()), uid: options.uid ?? randomUUID });
      const recovery = await recoverStore(dir, table);
      const logger = options.logger ?? SILENT;
      if (recovery.truncatedBytes > 0) {
        logger.warn({ dir, ...recovery }, 'store log had a torn or corrupt tail; cut it off');
      }
      const store = new FileStore(dir, table, lock, recovery, options, recovery.snapshotBytes);
      store.log = await WriteAheadLog.open(dir, recovery.walSequence, recovery.walSize, (error) => {
        store.broken = error;
      });
      return store;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  async get<K extends ResourceKind>(kind: K, name: string): Promise<Stored<K> | undefined> {
    this.assertUsable();
    await this.inFlight.get(keyOf(kind, name))?.settled;
    this.assertUsable();
    return this.table.get(kind, name);
  }

  async list<K extends ResourceKind>(kind: K): Promise<Stored<K>[]> {
    this.assertUsable();
    await this.lastWrite?.settled;
    this.assertUsable();
    return this.table.list(kind);
  }

  async create<K extends ResourceKind>(kind: K, resource: NewResource<K>): Promise<Stored<K>> {
    this.assertUsable();
    return this.persist(this.table.create(kind, resource));
  }

  async update<K extends ResourceKind>(kind: K, resource: NewResource<K> | Stored<K>): Promise<Stored<K>> {
    this.assertUsable();
    return this.persist(this.table.update(kind, resource));
  }

  async updateStatus<K extends ResourceKind>(
    kind: K,
    name: string,
    resourceVersion: string,
    status: ResourceByKind[K]['status'],
  ): Promise<Stored<K>> {
    this.assertUsable();
    return this.persist(this.table.updateStatus(kind, name, resourceVersion, status));
  }

  async delete(kind: ResourceKind, name: string, options?: DeleteOptions): Promise<void> {
    this.assertUsable();
    await this.persist(this.table.delete(kind, name, options));
  }

  /** Write-ahead log totals since open: records and batches synced, bytes in the current log. */
  get stats(): { records: number; syncs: number; logBytes: number } {
    const { records, syncs, size } = this.log.stats;
    return { records, syncs, logBytes: size };
  }

  watch(listener: (event: WatchEvent) => void): () => void {
    return this.hub.add(listener);
  }

  /**
   * Writes a snapshot of the current state and drops the logs it supersedes. Runs by itself when the log grows;
   * writes continue meanwhile. Concurrent calls share one compaction.
   */
  compact(): Promise<void> {
    try {
      this.assertUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    this.compacting ??= this.runCompaction().finally(() => {
      this.compacting = undefined;
    });
    return this.compacting;
  }

  /** Waits for pending writes and a running compaction, then releases the log and the lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.log.drain();
      await this.compacting?.catch(() => undefined);
      await this.log.close();
      await this.lock.release();
      this.hub.clear();
    })();
    return this.closing;
  }

  private persist<K extends ResourceKind>(outcome: WriteOutcome<K>): Promise<Stored<K>> {
    if (!outcome.changed) {
      const key = keyOf(outcome.object.kind, outcome.object.metadata.name);
      const pending = this.inFlight.get(key)?.settled;
      return pending ? pending.then(() => this.confirmed(outcome.object)) : Promise.resolve(outcome.object);
    }
    const { event, resourceVersion: rv } = outcome;
    const key = keyOf(event.kind, event.name);
    const record: LogRecord =
      event.type === 'deleted'
        ? { rv, op: 'delete', kind: event.kind, name: event.name }
        : { rv, op: 'put', object: event.object };
    const written = new Promise<Stored<K>>((resolve, reject) => {
      const onDurable = (): void => {
        if (this.inFlight.get(key)?.token === rv) this.inFlight.delete(key);
        if (this.lastWrite?.token === rv) this.lastWrite = undefined;
        this.hub.emit(event as WatchEvent);
        resolve(event.object);
        this.maybeCompact();
      };
      this.log.append(encodeRecord(record), onDurable, (error) => reject(writeFailed(error)));
    });
    const tracked: InFlight = { token: rv, settled: written.then(noop, noop) };
    this.inFlight.set(key, tracked);
    this.lastWrite = tracked;
    return written;
  }

  private confirmed<T>(object: T): T {
    this.assertUsable();
    return object;
  }

  private maybeCompact(): void {
    const threshold = Math.max(this.options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES, 2 * this.snapshotBytes);
    if (this.compacting || this.closing || this.broken || this.log.stats.size <= threshold) return;
    this.compact().catch((error: unknown) => {
      this.logger.warn({ dir: this.dir, err: error }, 'store compaction failed; the log keeps growing until the next');
    });
  }

  private async runCompaction(): Promise<void> {
    let captured: { objects: unknown[]; resourceVersion: number; walSequence: number } | undefined;
    await this.log.rotate((walSequence) => {
      captured = { objects: this.table.all(), resourceVersion: this.table.resourceVersion, walSequence };
    });
    if (!captured || this.broken) return;
    const { objects, ...coverage } = captured;
    this.snapshotBytes = await writeSnapshot(this.dir, coverage, objects);
    for (const log of await listWalFiles(this.dir)) {
      if (log.sequence < coverage.walSequence) await rm(log.path, { force: true });
    }
  }

  private assertUsable(): void {
    if (this.broken) throw writeFailed(this.broken);
    if (this.closing) throw new PoseidonError('Internal', `the store in ${this.dir} is closed`);
  }
}

function keyOf(kind: ResourceKind, name: string): string {
  return `${kind}/${name}`;
}

function writeFailed(cause: Error): PoseidonError {
  return new PoseidonError('BackendUnavailable', `the store could not write to disk (${cause.message}); reopen it`, {
    cause,
    retryable: false,
  });
}

function noop(): void {}
