/**
 * The exclusive lock of a store directory: a `LOCK` file, created atomically (hard link of a complete temporary file), holding the owner's pid, the owner
 * process's start time (so a reused pid is not mistaken for the owner) and host name. A lock whose owner is gone is
 * stale and taken over: it is renamed away first (atomic, so of several processes taking it over at once only one
 * wins), and checked to be the stale lock that was read; then a fresh lock is created.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { PoseidonError } from '../errors';

/** Name of the lock file inside the store directory. */
export const LOCK_FILE = 'LOCK';

/** Who holds a lock. */
export interface LockOwner {
  pid: number;
  /** Start time of the process in clock ticks since boot (Linux `/proc/<pid>/stat` field 22); absent elsewhere. */
  startTime?: string;
  hostname: string;
}

/** A held lock. */
export interface StoreLock {
  readonly path: string;
  /** Removes the lock file if it is still this process's lock. */
  release(): Promise<void>;
}

const MAX_ATTEMPTS = 5;

/** Takes the lock of `dir`, or fails with `BackendUnavailable` naming the process that holds it. */
export async function acquireStoreLock(dir: string): Promise<StoreLock> {
  const path = join(dir, LOCK_FILE);
  const self = await currentOwner();
  const content = `${JSON.stringify(self)}\n`;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (await createAtomically(path, content)) return { path, release: () => releaseIfOwned(path, content) };
    const held = await readFile(path, 'utf8').catch(() => undefined);
    if (held === undefined) continue; // released between our create and read: try again
    const owner = parseOwner(held);
    if (owner && (await isAlive(owner))) {
      const who = owner.pid === process.pid ? 'this process' : `process ${owner.pid} on ${owner.hostname}`;
      throw new PoseidonError('BackendUnavailable', `the store in ${dir} is locked by ${who} (${path})`);
    }
    await takeOverStale(path, held);
  }
  throw new PoseidonError('BackendUnavailable', `could not lock the store in ${dir}: its lock keeps changing`);
}

/** The lock owner record of this process. */
export async function currentOwner(): Promise<LockOwner> {
  const startTime = await processStartTime(process.pid);
  return { pid: process.pid, ...(startTime === undefined ? {} : { startTime }), hostname: hostname() };
}

/** Whether the owner of a lock is still running. Owners on other hosts are assumed alive (cannot be checked). */
export async function isAlive(owner: LockOwner): Promise<boolean> {
  if (owner.hostname !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as { code?: string }).code === 'ESRCH') return false;
  }
  if (owner.startTime === undefined) return true;
  const startTime = await processStartTime(owner.pid);
  return startTime === undefined || startTime === owner.startTime;
}

/**
 * Creates `path` with `content` in one step (written to a temporary file, then hard-linked into place), so nobody
 * ever reads a half-written lock. False when `path` exists.
 */
async function createAtomically(path: string, content: string): Promise<boolean> {
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content, { flag: 'wx' });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function takeOverStale(path: string, staleContent: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return; // another process took it over first
    throw error;
  }
  const moved = await readFile(aside, 'utf8');
  if (moved !== staleContent) {
    // We moved a fresh lock another process had just created: put it back (fails only if yet another took over).
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

async function releaseIfOwned(path: string, content: string): Promise<void> {
  const held = await readFile(path, 'utf8').catch(() => undefined);
  if (held === content) await unlink(path).catch(() => undefined);
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || typeof value.hostname !== 'string') return undefined;
    const startTime = typeof value.startTime === 'string' ? value.startTime : undefined;
    return { pid: value.pid, hostname: value.hostname, ...(startTime === undefined ? {} : { startTime }) };
  } catch {
    return undefined; // a torn lock file (its writer crashed while creating it) is stale
  }
}

async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3; the start time is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
