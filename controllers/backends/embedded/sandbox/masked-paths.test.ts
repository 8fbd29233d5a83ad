import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unreadablePaths } from './masked-paths';
import { withExistingMasks } from './root-filesystem';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'masked-'));
  chmodSync(dir, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('unreadablePaths', () => {
  it('finds files and directories others may not read, without descending into them or following links', async () => {
    writeFileSync(path.join(dir, 'public'), 'x', { mode: 0o644 });
    writeFileSync(path.join(dir, 'key'), 'x', { mode: 0o600 });
    mkdirSync(path.join(dir, 'private'), { mode: 0o700 });
    writeFileSync(path.join(dir, 'private', 'inner'), 'x', { mode: 0o600 });
    mkdirSync(path.join(dir, 'conf.d'), { mode: 0o755 });
    writeFileSync(path.join(dir, 'conf.d', 'secret.conf'), 'x', { mode: 0o640 });
    symlinkSync(path.join(dir, 'key'), path.join(dir, 'link-to-key'));
    const { paths, truncated } = await unreadablePaths(dir);
    expect(truncated).toBe(false);
    expect(paths).toEqual([
      { kind: 'file', target: path.join(dir, 'conf.d', 'secret.conf') },
      { kind: 'file', target: path.join(dir, 'key') },
      { kind: 'dir', target: path.join(dir, 'private') },
    ]);
  });

  it('finds nothing in a missing directory', async () => {
    expect(await unreadablePaths(path.join(dir, 'missing'))).toEqual({ paths: [], truncated: false });
  });
});

describe('withExistingMasks', () => {
  it('drops masked paths that vanished, so bwrap never binds over a missing target', async () => {
    writeFileSync(path.join(dir, 'kept'), 'x', { mode: 0o600 });
    const layout = {
      entries: [],
      identityTargets: [],
      needsRootHome: true,
      masked: [
        { kind: 'file' as const, target: path.join(dir, 'kept') },
        { kind: 'file' as const, target: path.join(dir, 'gone') },
      ],
    };
    expect((await withExistingMasks(layout)).masked).toEqual([{ kind: 'file', target: path.join(dir, 'kept') }]);
    const complete = { ...layout, masked: layout.masked.slice(0, 1) };
    expect(await withExistingMasks(complete)).toBe(complete);
  });
});
