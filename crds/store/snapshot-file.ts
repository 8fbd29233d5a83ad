/**
 * The snapshot of a file-backed store: every object as of one resourceVersion, written as framed records (a header,
 * one record per object, a trailer with the count). It is written to a temporary file, fsynced, renamed over the old
 * snapshot and the directory fsynced, so a crash leaves either the old or the new snapshot, never a torn one.
 */
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PoseidonError } from '../errors';
import { decodeRecords, encodeRecord } from './record-codec';
import {
  SNAPSHOT_FILE,
  SNAPSHOT_TEMP_FILE,
  closeFile,
  openFile,
  syncDirectory,
  syncFile,
  writeAll,
} from './store-files';

/** Format tag of the snapshot header. */
export const SNAPSHOT_FORMAT = 'poseidon-store/1';

/** What a snapshot covers: writes up to `resourceVersion`, and the first log to replay after it. */
export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  resourceVersion: number;
  walSequence: number;
  objects: number;
}

/** A snapshot as read back. */
export interface Snapshot {
  header: SnapshotHeader;
  objects: unknown[];
  bytes: number;
}

/** Objects encoded per write; between chunks the event loop runs, so writes are not stalled by a big snapshot. */
const CHUNK_OBJECTS = 512;

/** Writes and installs a snapshot of `objects`; returns its size in bytes. */
export async function writeSnapshot(
  dir: string,
  coverage: { resourceVersion: number; walSequence: number },
  objects: readonly unknown[],
): Promise<number> {
  const temporary = join(dir, SNAPSHOT_TEMP_FILE);
  const header: SnapshotHeader = { format: SNAPSHOT_FORMAT, ...coverage, objects: objects.length };
  const fd = await openFile(temporary, 'w');
  let bytes = 0;
  try {
    const write = async (buffers: Buffer[]): Promise<void> => {
      await writeAll(fd, buffers);
      bytes += buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    };
    await write([encodeRecord(header)]);
    for (let start = 0; start < objects.length; start += CHUNK_OBJECTS) {
      await write(objects.slice(start, start + CHUNK_OBJECTS).map((object) => encodeRecord(object)));
    }
    await write([encodeRecord({ end: true, objects: objects.length })]);
    await syncFile(fd);
  } catch (error) {
    await closeFile(fd).catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  await closeFile(fd);
  await rename(temporary, join(dir, SNAPSHOT_FILE));
  await syncDirectory(dir);
  return bytes;
}

/** Reads the snapshot of `dir`; `undefined` when there is none. A damaged snapshot is an `Internal` error. */
export async function readSnapshot(dir: string): Promise<Snapshot | undefined> {
  const path = join(dir, SNAPSHOT_FILE);
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  const { values, stop } = decodeRecords(buffer);
  const header = values[0] as Partial<SnapshotHeader> | undefined;
  const trailer = values[values.length - 1] as { end?: unknown; objects?: unknown } | undefined;
  const complete =
    stop === 'end' &&
    header?.format === SNAPSHOT_FORMAT &&
    typeof header.resourceVersion === 'number' &&
    typeof header.walSequence === 'number' &&
    trailer?.end === true &&
    trailer.objects === values.length - 2 &&
    header.objects === values.length - 2;
  if (!complete) {
    throw new PoseidonError('Internal', `the store snapshot ${path} is damaged (${stop}); restore it from a backup`);
  }
  return { header: header as SnapshotHeader, objects: values.slice(1, -1), bytes: buffer.length };
}
