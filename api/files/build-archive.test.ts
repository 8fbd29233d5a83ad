import { execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildArchive } from './build-archive';

const asRoot = process.getuid?.() === 0;

describe('the archive of a PATCH, extracted by the real GNU tar', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'build-archive-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function extract(archive: Buffer): void {
    execFileSync('tar', ['--extract', '--absolute-names', '--file=-'], { cwd: dir, input: archive });
  }

  it('writes files 0744 and directories 1777 with mtime 0, owned by root, in order', async () => {
    const long = `${'n'.repeat(120)}/${'ü'.repeat(60)}.txt`;
    extract(
      await buildArchive([
        { path: 'dir/', content: Buffer.from('ignored') },
        { path: './dir/../dir/a.txt', content: Buffer.from('first') },
        { path: 'dir/a.txt', content: Buffer.from('second') },
        { path: long, content: Buffer.alloc(0) },
        { path: './', content: Buffer.alloc(0) },
      ]),
    );
    const file = lstatSync(path.join(dir, 'dir/a.txt'));
    const directory = lstatSync(path.join(dir, 'dir'));
    expect(readFileSync(path.join(dir, 'dir/a.txt'), 'utf8')).toBe('second');
    expect(file.mode & 0o7777).toBe(0o744);
    expect(directory.mode & 0o7777).toBe(0o1777);
    expect([file.mtimeMs, directory.mtimeMs]).toEqual([0, 0]);
    if (asRoot) expect([file.uid, file.gid]).toEqual([0, 0]);
    expect(lstatSync(path.join(dir, long)).size).toBe(0);
    expect(lstatSync(dir).mode & 0o7777).not.toBe(0o1777);
  });

  it('is a valid empty archive without copies', async () => {
    const archive = await buildArchive([]);
    expect(archive.length).toBeGreaterThan(0);
    extract(archive);
  });
});
