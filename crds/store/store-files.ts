/**
 * The files of a store directory and the few filesystem steps the file-backed store needs: `snapshot.dat` (the last
 * compacted state), `wal-<sequence>.log` (write-ahead logs, replayed in sequence order after the snapshot),
 * `snapshot.dat.tmp` (a compaction in progress; discarded on open) and `LOCK`.
 */
import { close, fdatasync, fsync, open, writev } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const SNAPSHOT_FILE = 'snapshot.dat';
export const SNAPSHOT_TEMP_FILE = 'snapshot.dat.tmp';

const WAL_RE = /^wal-([0-9]{12})\.log$/;

/** A write-ahead log file. */
export interface WalFile {
  sequence: number;
  path: string;
}

/** The file name of the write-ahead log with `sequence`. */
export function walFileName(sequence: number): string {
  return `wal-${String(sequence).padStart(12, '0')}.log`;
}

/** The write-ahead logs of `dir`, by ascending sequence. */
export async function listWalFiles(dir: string): Promise<WalFile[]> {
  const files: WalFile[] = [];
  for (const name of await readdir(dir)) {
    const match = WAL_RE.exec(name);
    if (match?.[1] !== undefined) files.push({ sequence: Number(match[1]), path: join(dir, name) });
  }
  return files.sort((a, b) => a.sequence - b.sequence);
}

/** `fs.open` as a promise (numeric descriptors: the least overhead per call). */
export const openFile = promisify(open);
/** `fs.close` as a promise. */
export const closeFile = promisify(close);
/** `fs.fdatasync` as a promise: the file's data (and the size) reach the disk. */
export const syncData = promisify(fdatasync);
/** `fs.fsync` as a promise. */
export const syncFile = promisify(fsync);
const writeVector = promisify(writev);

/** Writes every byte of `buffers` at the file's current (append) position, continuing after short writes. */
export async function writeAll(fd: number, buffers: readonly Buffer[]): Promise<void> {
  let pending = [...buffers];
  while (pending.length > 0) {
    let written = (await writeVector(fd, pending)).bytesWritten;
    const rest: Buffer[] = [];
    for (const buffer of pending) {
      if (written >= buffer.length) written -= buffer.length;
      else {
        rest.push(buffer.subarray(written));
        written = 0;
      }
    }
    pending = rest;
  }
}

/** Makes the directory entries of `dir` (created, renamed, removed files) durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const fd = await openFile(dir, 'r');
  try {
    await syncFile(fd);
  } finally {
    await closeFile(fd);
  }
}
