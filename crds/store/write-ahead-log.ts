/**
 * The write-ahead log of the file-backed store with group commit: records are appended in the order they are given;
 * a batch is written and fdatasync'ed, then each record's `onDurable` runs in order. Records arriving while a sync is
 * in flight wait and share the next sync. Switching to a new log file (for compaction) happens between batches, so
 * every record of the old file is durable before the first record of the new one is written.
 */
import { join } from 'node:path';
import { walFileName, closeFile, openFile, syncData, syncDirectory, writeAll } from './store-files';

/** A record waiting to be made durable. */
interface Pending {
  bytes: Buffer;
  onDurable: () => void;
  onFailed: (error: Error) => void;
}

interface Rotation {
  onSwitched: (sequence: number) => void;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** The log's running totals (for compaction decisions and metrics). */
export interface LogCounters {
  /** Bytes in the current log file. */
  size: number;
  /** Batches synced since open. */
  syncs: number;
  /** Records synced since open. */
  records: number;
}

/** An append-only, group-committing log over a directory's `wal-<sequence>.log` files. */
export class WriteAheadLog {
  private queue: Pending[] = [];
  private rotation: Rotation | undefined;
  private running: Promise<void> | undefined;
  private failure: Error | undefined;
  private readonly counters: LogCounters;

  private constructor(
    private readonly dir: string,
    private fd: number,
    private currentSequence: number,
    size: number,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.counters = { size, syncs: 0, records: 0 };
  }

  /**
   * Opens `wal-<sequence>.log` of `dir` for appending (creating it, and making its directory entry durable, when
   * missing). `size` is its current length. `onFailure` is told once if a write or sync fails: the log then refuses
   * every further record, since what is on disk is no longer known.
   */
  static async open(
    dir: string,
    sequence: number,
    size: number,
    onFailure: (error: Error) => void,
  ): Promise<WriteAheadLog> {
    const fd = await openFile(join(dir, walFileName(sequence)), 'a');
    await syncDirectory(dir);
    return new WriteAheadLog(dir, fd, sequence, size, onFailure);
  }

  /** Sequence number of the file records go to now. */
  get sequence(): number {
    return this.currentSequence;
  }

  /** Running totals. */
  get stats(): Readonly<LogCounters> {
    return this.counters;
  }

  /** Appends a framed record; exactly one of the callbacks runs once it is durable or has failed. */
  append(bytes: Buffer, onDurable: () => void, onFailed: (error: Error) => void): void {
    if (this.failure) {
      onFailed(this.failure);
      return;
    }
    this.queue.push({ bytes, onDurable, onFailed });
    this.kick();
  }

  /**
   * Switches to the next log file once the records queued so far are durable. `onSwitched(newSequence)` runs
   * synchronously at the switch, before any later record is written: the point to capture a snapshot.
   */
  rotate(onSwitched: (sequence: number) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.rotation) return Promise.reject(new Error('a log rotation is already pending'));
    return new Promise((resolve, reject) => {
      this.rotation = { onSwitched, resolve, reject };
      this.kick();
    });
  }

  /** Resolves when everything appended so far is durable (or failed). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Drains and closes the current file. */
  async close(): Promise<void> {
    await this.drain();
    await closeFile(this.fd);
  }

  private kick(): void {
    if (this.running) return;
    // Start the batch after the current turn of the event loop, so writes issued together (the continuations of
    // writers woken by the previous sync) share one sync instead of the first going alone.
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run())
      .finally(() => {
        this.running = undefined;
        if (this.queue.length > 0 || this.rotation) this.kick();
      });
  }

  private async run(): Promise<void> {
    while (!this.failure && (this.queue.length > 0 || this.rotation)) {
      if (this.queue.length > 0) await this.flushBatch();
      // Switch right after the batch in flight, so a steady stream of records cannot postpone a rotation forever.
      if (this.rotation && !this.failure) await this.switchFile();
    }
  }

  private async flushBatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const buffers = batch.map((entry) => entry.bytes);
    try {
      await writeAll(this.fd, buffers);
      await syncData(this.fd);
    } catch (error) {
      this.fail(error as Error, batch);
      return;
    }
    this.counters.size += buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    this.counters.syncs += 1;
    this.counters.records += batch.length;
    for (const entry of batch) entry.onDurable();
  }

  private async switchFile(): Promise<void> {
    const rotation = this.rotation;
    if (!rotation) return;
    this.rotation = undefined;
    const next = this.currentSequence + 1;
    try {
      const fd = await openFile(join(this.dir, walFileName(next)), 'a');
      await syncDirectory(this.dir);
      const previous = this.fd;
      this.fd = fd;
      this.currentSequence = next;
      this.counters.size = 0;
      rotation.onSwitched(next);
      await closeFile(previous);
      rotation.resolve();
    } catch (error) {
      rotation.reject(error as Error);
    }
  }

  private fail(error: Error, batch: readonly Pending[]): void {
    this.failure = error;
    const refused = [...batch, ...this.queue];
    this.queue = [];
    this.rotation?.reject(error);
    this.rotation = undefined;
    this.onFailure(error);
    for (const entry of refused) entry.onFailed(error);
  }
}
