import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ExecProcess } from '../../reconcilers/ports';
import { LocalExec } from './local-exec';

async function collect(process: ExecProcess): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  process.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  process.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const { exitCode } = await process.exited;
  return { stdout, stderr, exitCode };
}

describe('the local ExecPort', () => {
  let exec: LocalExec;
  beforeEach(() => {
    exec = new LocalExec();
  });
  afterEach(() => exec.close());

  it('delivers all PTY output of a program that exits right after a burst', async () => {
    for (let i = 0; i < 3; i++) {
      const run = await collect(
        await exec.exec({ jobId: '1-a', command: ['seq', '1', '100000'], privileged: true, tty: true }),
      );
      expect(run.stdout.split('\r\n').filter(Boolean).length).toBe(100000);
    }
  });

  it('separates stderr of PTY executions on request and reports bash-style statuses', async () => {
    const command = ['bash', '-c', 'echo out; echo err >&2; kill -9 $$'];
    const run = await collect(
      await exec.exec({ jobId: '1-a', command, privileged: true, tty: true, separateStderr: true }),
    );
    expect([run.stdout, run.stderr, run.exitCode]).toEqual(['out\r\n', 'err\r\n', 137]);
  });

  it('runs in the runner directory as root or, unprivileged, as another user with a clean environment', async () => {
    const privileged = await collect(
      await exec.exec({
        jobId: '1-a',
        command: ['sh', '-c', 'id -u; pwd; env | sort'],
        privileged: true,
        tty: false,
        env: { X: 'y' },
      }),
    );
    const [uid, cwd, ...env] = privileged.stdout.trim().split('\n');
    expect(cwd).toBe(exec.workspaceOf('1-a'));
    expect(env).toEqual(expect.arrayContaining(['CODEOCEAN=true', 'X=y']));
    expect(env.some((line) => line.startsWith('NOMAD_') || line.startsWith('JEST'))).toBe(false);
    const unprivileged = await collect(
      await exec.exec({ jobId: '1-a', command: ['id', '-u'], privileged: false, tty: false }),
    );
    if (uid === '0') expect(unprivileged.stdout.trim()).not.toBe('0');
  });

  it('kills the executions of a removed runner, rejects them as RunnerGone and deletes its directory', async () => {
    const process = await exec.exec({ jobId: '2-b', command: ['sleep', '60'], privileged: true, tty: true });
    const dir = exec.workspaceOf('2-b');
    await exec.removeRunner('2-b', 'oomKilled');
    await expect(process.exited).rejects.toMatchObject({ code: 'RunnerGone', details: { cause: 'oomKilled' } });
    expect(existsSync(dir)).toBe(false);
    await expect(exec.exec({ jobId: '2-b', command: ['true'], privileged: true, tty: false })).rejects.toMatchObject({
      code: 'RunnerGone',
    });
    expect(exec.runningCount).toBe(0);
    expect(path.dirname(dir)).toBe(path.join(exec.rootDir, 'runners'));
  });
});
