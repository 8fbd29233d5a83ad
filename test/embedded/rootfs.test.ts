/**
 * An image mapped to its own root directory: the sandbox's root is that directory (read-only), not the host's.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bash, runnerJob, startHarness, type Harness } from './embedded-harness';

const PROGRAMS = ['/usr/bin/bash', '/usr/bin/setpriv', '/usr/bin/setsid', '/usr/bin/cat', '/usr/bin/ls', '/usr/bin/id'];
const JOB = '6-00000000-0000-4000-8000-0000000000e1';

/** A tiny root filesystem: a few host programs with their libraries, and a marker file. */
function buildRoot(dir: string): void {
  const libraries = execFileSync('ldd', PROGRAMS)
    .toString()
    .split('\n')
    .flatMap((line) => /(\/\S+\.so[^\s]*)/.exec(line)?.[1] ?? []);
  for (const file of [...PROGRAMS, ...libraries]) {
    mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    copyFileSync(file, path.join(dir, file));
  }
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  for (const name of ['passwd', 'group']) writeFileSync(path.join(dir, 'etc', name), '');
  writeFileSync(path.join(dir, 'etc', 'image-marker'), 'mini image\n');
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  copyFileSync('/usr/bin/bash', path.join(dir, 'bin', 'sh'));
}

let h: Harness;
let root: string;
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'embedded-rootfs-'));
  buildRoot(root);
  h = await startHarness({ rootfs: { mini: root } });
  await h.backend.registerJob(runnerJob(JOB, { image: 'mini' }));
  await h.backend.settled();
});
afterAll(async () => {
  await h?.destroy();
  rmSync(root, { recursive: true, force: true });
});

it('runs programs of the mapped root directory, with the generated users, and nothing of the host', async () => {
  const result = await bash(
    h.backend,
    JOB,
    'cat /etc/image-marker; id -un; ls /; [ -e /opt ] || echo no-opt; [ -e /usr/bin/node ] || echo no-node',
  );
  expect(result.stderr).toBe('');
  expect(result.stdout.split('\n')).toEqual([
    'mini image',
    'user',
    'bin',
    'dev',
    'etc',
    'lib',
    'lib64',
    'proc',
    'root',
    'tmp',
    'usr',
    'workspace',
    'no-opt',
    'no-node',
    '',
  ]);
});
