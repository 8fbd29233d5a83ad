/**
 * Persistence of job records: one JSON file per job under `jobs/`, written atomically. Writes of one job are
 * coalesced and ordered: a save resolves after a write that reflects the in-memory record as it was at the time of
 * the call (or later); a record that is gone by then deletes the file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { PoseidonError } from '../../../../crds/errors';
import type { JobRecord } from '../jobs/job-records';
import { JOB_ID_PATTERN } from '../jobs/job-records';
import { isTemporaryFile, writeFileAtomic } from './atomic-file';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface PendingJob {
  waiters: Waiter[];
}

const FORMAT_VERSION = 1;

/** Reads and writes job record files. */
export class JobRecordFiles {
  private readonly pending = new Map<string, PendingJob>();

  /**
   * @param dir the `jobs/` directory (must exist)
   * @param current returns the in-memory record of a job at write time (undefined once the job is purged)
   */
  constructor(
    private readonly dir: string,
    private readonly current: (jobId: string) => JobRecord | undefined,
    private readonly logger: Logger,
  ) {}

  /** Persists the job's current record (or removes its file). Rejects with `BackendUnavailable` on I/O errors. */
  save(jobId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = this.pending.get(jobId);
      if (entry) {
        entry.waiters.push({ resolve, reject });
        return;
      }
      const created: PendingJob = { waiters: [{ resolve, reject }] };
      this.pending.set(jobId, created);
      void this.drain(jobId, created);
    });
  }

  /** Resolves when every save requested so far has completed. */
  async flush(): Promise<void> {
    const jobs = [...this.pending.keys()];
    await Promise.allSettled(jobs.map((jobId) => this.save(jobId)));
  }

  /** Loads every job file. Unreadable files are moved aside (`.corrupt`) and logged; temp leftovers are removed. */
  async loadAll(): Promise<JobRecord[]> {
    const records: JobRecord[] = [];
    for (const name of await fs.readdir(this.dir)) {
      const file = path.join(this.dir, name);
      if (isTemporaryFile(name)) {
        await fs.rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const record = await this.readRecord(file, name.slice(0, -'.json'.length));
      if (record) records.push(record);
    }
    return records;
  }

  private async drain(jobId: string, entry: PendingJob): Promise<void> {
    while (entry.waiters.length > 0) {
      const waiters = entry.waiters;
      entry.waiters = [];
      try {
        await this.writeOnce(jobId);
        for (const waiter of waiters) waiter.resolve();
      } catch (cause) {
        const error = new PoseidonError('BackendUnavailable', `cannot persist job ${jobId}`, { cause });
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.pending.delete(jobId);
  }

  private async writeOnce(jobId: string): Promise<void> {
    const file = path.join(this.dir, `${jobId}.json`);
    const record = this.current(jobId);
    if (!record) {
      await fs.rm(file, { force: true });
      return;
    }
    await writeFileAtomic(file, JSON.stringify({ version: FORMAT_VERSION, ...record }));
  }

  private async readRecord(file: string, jobId: string): Promise<JobRecord | undefined> {
    try {
      const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<JobRecord> & { version?: number };
      if (
        parsed.version !== FORMAT_VERSION ||
        !JOB_ID_PATTERN.test(jobId) ||
        parsed.job?.id !== jobId ||
        !Array.isArray(parsed.allocations)
      ) {
        throw new Error('unexpected content');
      }
      return { job: parsed.job, allocations: parsed.allocations };
    } catch (error) {
      this.logger.error({ err: error, file }, 'embedded backend: unreadable job file moved aside');
      await fs.rename(file, `${file}.corrupt`).catch(() => undefined);
      return undefined;
    }
  }
}
