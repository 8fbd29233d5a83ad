import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCodeOf } from '../errors';
import { countingUids, environment, runner, runnerName, steppingClock } from '../../test/crds/builders';
import { describeStoreContract } from '../../test/crds/store-contract';
import { FileStore, type FileStoreOptions } from './file-store';
import { LOCK_FILE, currentOwner } from './store-lock';
import { listWalFiles } from './store-files';
import type { ResourceStore } from './store';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'file-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describeStoreContract('FileStore', async (options) => FileStore.open(await freshDir(), options));

function open(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
  return FileStore.open(dir, { clock: steppingClock(), uid: countingUids(), ...options });
}

async function everything(store: ResourceStore): Promise<unknown[]> {
  return [...(await store.list('ExecutionEnvironment')), ...(await store.list('Runner'))];
}

async function fillRunners(store: ResourceStore, count: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, n) => store.create('Runner', runner(runnerName(1, n), 1))));
}

describe('FileStore persistence', () => {
  it('reopens with the same objects and keeps counting resourceVersions', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    const env = await store.create('ExecutionEnvironment', environment('python', 10));
    await store.update('ExecutionEnvironment', { ...env, spec: { ...env.spec, prewarmingPoolSize: 3 } });
    await fillRunners(store, 3);
    await store.updateStatus('Runner', runnerName(1, 0), '3', { phase: 'Running' });
    await store.delete('Runner', runnerName(1, 1));
    const before = await everything(store);
    await store.close();

    const reopened = await open(dir, { uid: countingUids('second') });
    expect(await everything(reopened)).toEqual(before);
    expect(reopened.recovery).toMatchObject({ truncatedBytes: 0, replayedRecords: 7 });
    const next = await reopened.create('Runner', runner(runnerName(1, 9), 1));
    expect(next.metadata.resourceVersion).toBe('8');
    expect(await codeOf(reopened.create('ExecutionEnvironment', environment('other', 10)))).toBe('AlreadyExists');
    await reopened.close();
  });

  it('commits writes that arrive during a sync together (group commit)', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    await fillRunners(store, 200);
    expect(store.stats.records).toBe(200);
    expect(store.stats.syncs).toBeLessThan(100);
    await store.close();
    const reopened = await open(dir);
    expect(await reopened.list('Runner')).toHaveLength(200);
    await reopened.close();
  });

  it('cuts a torn tail off the log and keeps every complete write', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    await fillRunners(store, 5);
    await store.close();
    const [log] = await listWalFiles(dir);
    const length = (await stat(log?.path ?? '')).size;
    await appendFile(log?.path ?? '', Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 123, 34]));

    const reopened = await open(dir);
    expect(reopened.recovery.truncatedBytes).toBe(10);
    expect(await reopened.list('Runner')).toHaveLength(5);
    expect((await stat(log?.path ?? '')).size).toBe(length);
    await reopened.create('Runner', runner(runnerName(1, 99), 1));
    await reopened.close();
    const again = await open(dir);
    expect(await again.list('Runner')).toHaveLength(6);
    expect(again.recovery.truncatedBytes).toBe(0);
    await again.close();
  });

  it('stops replaying at a corrupt record and drops everything after it', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    for (let n = 0; n < 4; n++) await store.create('Runner', runner(runnerName(1, n), 1));
    await store.close();
    const [log] = await listWalFiles(dir);
    const bytes = await readFile(log?.path ?? '');
    const third = nthRecordOffset(bytes, 2);
    bytes[third + 20] = (bytes[third + 20] ?? 0) ^ 0xff;
    await writeFile(log?.path ?? '', bytes);

    const reopened = await open(dir);
    expect((await reopened.list('Runner')).map((r) => r.metadata.name)).toEqual([0, 1].map((n) => runnerName(1, n)));
    expect(reopened.recovery.truncatedBytes).toBe(bytes.length - third);
    await reopened.close();
  });

  it('compacts the log into a snapshot while writes go on, and recovers from both', async () => {
    const dir = await freshDir();
    const store = await open(dir, { compactAfterBytes: 4096 });
    for (let round = 0; round < 5; round++) await fillRunnersFrom(store, round * 40, 40);
    await store.compact();
    const before = await everything(store);
    expect((await readdir(dir)).filter((name) => name.startsWith('wal-'))).toHaveLength(1);
    expect(await readdir(dir)).toContain('snapshot.dat');
    await store.close();

    const reopened = await open(dir);
    expect(await everything(reopened)).toEqual(before);
    expect(reopened.recovery.snapshotObjects).toBeGreaterThan(0);
    await reopened.close();
  });

  it('keeps every write when a compaction fails after switching logs, and recovers from both logs', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    await fillRunners(store, 3);
    await mkdir(join(dir, 'snapshot.dat.tmp'));
    expect(await codeOfAny(store.compact())).toBe('EISDIR');
    await fillRunnersFrom(store, 10, 3);
    const before = await everything(store);
    await store.close();
    expect((await listWalFiles(dir)).map((log) => log.sequence)).toEqual([1, 2]);
    await rm(join(dir, 'snapshot.dat.tmp'), { recursive: true });

    const reopened = await open(dir);
    expect(await everything(reopened)).toEqual(before);
    expect(reopened.recovery.replayedRecords).toBe(6);
    await reopened.close();
  });

  it('ignores a half-written snapshot left by a crash during compaction', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    await fillRunners(store, 3);
    await store.close();
    await writeFile(join(dir, 'snapshot.dat.tmp'), 'partial garbage');
    const reopened = await open(dir);
    expect(await reopened.list('Runner')).toHaveLength(3);
    expect(await readdir(dir)).not.toContain('snapshot.dat.tmp');
    await reopened.close();
  });

  it('refuses to open over a damaged snapshot and releases its lock', async () => {
    const dir = await freshDir();
    const store = await open(dir);
    await fillRunners(store, 3);
    await store.compact();
    await store.close();
    const snapshot = await readFile(join(dir, 'snapshot.dat'));
    await writeFile(join(dir, 'snapshot.dat'), snapshot.subarray(0, snapshot.length - 3));
    expect(await codeOf(open(dir))).toBe('Internal');
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  });
});

describe('FileStore lock', () => {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
  });

  it('keeps a second opener out until the first closes', async () => {
    const dir = await freshDir();
    const first = await open(dir);
    expect(await codeOf(open(dir))).toBe('BackendUnavailable');
    await first.close();
    const second = await open(dir);
    await second.close();
  });

  it('takes over the lock of a process that is gone, and of a garbled lock file', async () => {
    const dir = await freshDir();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(child, 'exit');
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: child.pid, hostname: hostname() }));
    const store = await open(dir);
    await store.close();
    await writeFile(join(dir, LOCK_FILE), '{"pid":');
    const again = await open(dir);
    await again.close();
  });

  it('respects the lock of a live process, and detects a reused pid by its start time', async () => {
    const dir = await freshDir();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(child);
    const self = await currentOwner();
    const startTime = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1]?.split(' ')[19];
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: child.pid, startTime, hostname: self.hostname }));
    expect(await codeOf(open(dir))).toBe('BackendUnavailable');
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: child.pid, startTime: '1', hostname: self.hostname }));
    const store = await open(dir);
    await store.close();
  });
});

async function fillRunnersFrom(store: ResourceStore, first: number, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, n) => store.create('Runner', runner(runnerName(1, first + n), 1))),
  );
}

function nthRecordOffset(bytes: Buffer, n: number): number {
  let offset = 0;
  for (let index = 0; index < n; index++) offset += 8 + bytes.readUInt32LE(offset);
  return offset;
}

async function codeOfAny(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'resolved';
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    const value = await promise;
    if (value instanceof FileStore) await value.close();
  } catch (error) {
    return errorCodeOf(error);
  }
  return 'resolved';
}
