/**
 * Recovery of a file-backed store on open: load the snapshot, replay the write-ahead logs that follow it (skipping
 * records the snapshot already holds), and cut the logs at the first torn or corrupt record, removing everything after
 * it. The result is the state of a prefix of the committed writes that includes every acknowledged one.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceKind } from '../resources';
import { isResourceKind } from '../kinds';
import type { ObjectTable } from './object-table';
import { RECORD_HEADER_BYTES, decodeRecords } from './record-codec';
import { readSnapshot } from './snapshot-file';
import { SNAPSHOT_TEMP_FILE, listWalFiles, syncDirectory } from './store-files';
import type { Stored } from './store';

/** What recovery found and did. */
export interface RecoveryReport {
  snapshotObjects: number;
  snapshotBytes: number;
  /** Log records applied on top of the snapshot. */
  replayedRecords: number;
  /** Bytes cut from a log at a torn or corrupt record (0 after a clean shutdown). */
  truncatedBytes: number;
  /** Log files removed: superseded by the snapshot, or after a damaged record. */
  removedFiles: string[];
  /** The log to append to next, and its length. */
  walSequence: number;
  walSize: number;
}

/** A write-ahead log record: a whole object as written, or a delete. */
export type LogRecord =
  | { rv: number; op: 'put'; object: Stored<ResourceKind> }
  | { rv: number; op: 'delete'; kind: ResourceKind; name: string };

/** Rebuilds `table` from the files of `dir`. */
export async function recoverStore(dir: string, table: ObjectTable): Promise<RecoveryReport> {
  await rm(join(dir, SNAPSHOT_TEMP_FILE), { force: true });
  const snapshot = await readSnapshot(dir);
  const covered = snapshot?.header.resourceVersion ?? 0;
  for (const object of snapshot?.objects ?? []) {
    const stored = object as Stored<ResourceKind>;
    table.restore(stored, Number(stored.metadata.resourceVersion));
  }
  table.restoreVersion(covered);
  const report: RecoveryReport = {
    snapshotObjects: snapshot?.objects.length ?? 0,
    snapshotBytes: snapshot?.bytes ?? 0,
    replayedRecords: 0,
    truncatedBytes: 0,
    removedFiles: [],
    walSequence: Math.max(snapshot?.header.walSequence ?? 1, 1),
    walSize: 0,
  };
  const firstSequence = snapshot?.header.walSequence ?? 0;
  const logs = await listWalFiles(dir);
  let damaged = false;
  for (const log of logs) {
    if (log.sequence < firstSequence || damaged) {
      await rm(log.path, { force: true });
      report.removedFiles.push(log.path);
      continue;
    }
    const buffer = await readFile(log.path);
    const decoded = decodeRecords(buffer);
    let applied = 0;
    for (const value of decoded.values) {
      if (!isLogRecord(value)) break;
      if (value.rv > covered) apply(table, value);
      applied += 1;
    }
    report.replayedRecords += applied;
    const validLength = applied === decoded.values.length ? decoded.validLength : offsetAfter(buffer, applied);
    if (validLength < buffer.length) {
      damaged = true;
      report.truncatedBytes += buffer.length - validLength;
      await truncateDurably(log.path, validLength);
    }
    report.walSequence = log.sequence;
    report.walSize = validLength;
  }
  if (report.removedFiles.length > 0) await syncDirectory(dir);
  return report;
}

function apply(table: ObjectTable, record: LogRecord): void {
  if (record.op === 'put') table.restore(record.object, record.rv);
  else table.restoreDelete(record.kind, record.name, record.rv);
}

function isLogRecord(value: unknown): value is LogRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<Record<'rv' | 'op' | 'kind' | 'name' | 'object', unknown>>;
  if (typeof record.rv !== 'number') return false;
  if (record.op === 'delete') return isResourceKind(record.kind) && typeof record.name === 'string';
  if (record.op !== 'put' || typeof record.object !== 'object' || record.object === null) return false;
  const object = record.object as { kind?: unknown; metadata?: { name?: unknown } };
  return isResourceKind(object.kind) && typeof object.metadata?.name === 'string';
}

/** Byte offset just after the first `count` records of `buffer` (whose headers are known to be intact). */
function offsetAfter(buffer: Buffer, count: number): number {
  let offset = 0;
  for (let index = 0; index < count; index++) offset += RECORD_HEADER_BYTES + buffer.readUInt32LE(offset);
  return offset;
}

async function truncateDurably(path: string, length: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
