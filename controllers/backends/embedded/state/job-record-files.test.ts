import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { JobRecord } from '../jobs/job-records';
import { JobRecordFiles } from './job-record-files';

function record(id: string, meta: Record<string, string>): JobRecord {
  return {
    job: {
      id,
      settings: { image: 'i', cpuLimit: 1, memoryLimit: 0, networkAccess: false, exposedPorts: [] },
      meta,
      status: 'running',
      createIndex: 1,
      modifyIndex: 2,
      jobModifyIndex: 2,
      version: 0,
    },
    allocations: [],
  };
}

describe('JobRecordFiles', () => {
  let dir: string;
  const memory = new Map<string, JobRecord>();
  const files = (): JobRecordFiles => new JobRecordFiles(dir, (id) => memory.get(id), pino({ level: 'silent' }));
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'job-files-'));
    memory.clear();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the latest record of each job and reads it back', async () => {
    const store = files();
    const saves: Promise<void>[] = [];
    for (let n = 0; n < 20; n++) {
      memory.set('a', record('a', { n: String(n) }));
      saves.push(store.save('a'));
    }
    memory.set('b', record('b', {}));
    saves.push(store.save('b'));
    await Promise.all(saves);
    const loaded = await files().loadAll();
    expect(loaded.map((r) => [r.job.id, r.job.meta])).toEqual(
      expect.arrayContaining([
        ['a', { n: '19' }],
        ['b', {}],
      ]),
    );
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json']);
  });

  it('removes the file of a purged job', async () => {
    const store = files();
    memory.set('a', record('a', {}));
    await store.save('a');
    memory.delete('a');
    await store.save('a');
    expect(existsSync(path.join(dir, 'a.json'))).toBe(false);
  });

  it('moves unreadable files aside and drops leftovers of interrupted writes', async () => {
    writeFileSync(path.join(dir, 'broken.json'), '{"version":1,');
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ version: 1, ...record('mismatch', {}) }));
    writeFileSync(path.join(dir, '.a.json.abc.tmp'), 'partial');
    expect(await files().loadAll()).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['broken.json.corrupt', 'other.json.corrupt']);
  });
});
