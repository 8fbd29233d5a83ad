import type { ExecProcess } from '../../../reconcilers/ports';
import { runnerSpec, runningRunner, startNomadFixture, type NomadFixture } from './nomad-test-harness';

/** Collects an execution's output and exit. */
async function finish(process: ExecProcess): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  process.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  process.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const { exitCode } = await process.exited;
  return { stdout, stderr, exitCode };
}

/** Resolves once the command printed its first output (it runs). */
function started(process: ExecProcess): Promise<void> {
  return new Promise((resolve) => process.stdout.once('data', () => resolve()));
}

describe('executing commands in runners over Nomad exec', () => {
  let fixture: NomadFixture;
  let jobId: string;

  beforeAll(async () => {
    fixture = await startNomadFixture({ runtime: 'embedded' }, { execKillGraceMs: 500 });
    const spec = runnerSpec(5);
    jobId = spec.id;
    await runningRunner(fixture.backend, spec);
  }, 30_000);
  afterAll(async () => fixture.close());

  const exec = (
    command: string[],
    options: { tty?: boolean; privileged?: boolean; env?: Record<string, string>; separateStderr?: boolean } = {},
  ) => fixture.backend.exec({ jobId, command, tty: false, privileged: false, ...options });

  it('returns stdout, stderr and the exit code separately without a TTY', async () => {
    const result = await finish(await exec(['/bin/sh', '-c', 'echo out; echo err >&2; exit 7']));
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 7 });
  });

  it('runs unprivileged commands as the runner user and privileged ones as root', async () => {
    expect((await finish(await exec(['id', '-u']))).stdout).toBe('1000\n');
    expect((await finish(await exec(['id', '-u'], { privileged: true }))).stdout).toBe('0\n');
  });

  it('gives the command CODEOCEAN=true and the request environment, and none of the NOMAD_* variables', async () => {
    const value = `it's "$HOME" \`id\` ; rm -rf /`;
    const { stdout } = await finish(await exec(['env'], { env: { TRICKY: value } }));
    expect(stdout).toContain('CODEOCEAN=true\n');
    expect(stdout).toContain(`TRICKY=${value}\n`);
    expect(stdout).not.toMatch(/^NOMAD_/m);
  });

  it('delivers end of input to the command when stdin is closed', async () => {
    const process = await exec(['wc', '-c']);
    process.stdin.end(Buffer.alloc(100_000, 'x'));
    expect(await finish(process)).toEqual({ stdout: '100000\n', stderr: '', exitCode: 0 });
  });

  it('streams large output completely', async () => {
    const { stdout, exitCode } = await finish(await exec(['/bin/sh', '-c', 'head -c 3000000 /dev/zero | tr "\\0" a']));
    expect(exitCode).toBe(0);
    expect(stdout.length).toBe(3_000_000);
  });

  it('echoes input and answers with CRLF on a TTY', async () => {
    const process = await exec(['/bin/sh', '-c', 'read line; echo "got:$line"'], { tty: true });
    process.stdin.write('hello\n');
    const result = await finish(process);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('hello\r\n');
    expect(result.stdout).toContain('got:hello\r\n');
  });

  it('keeps stderr apart on a TTY when asked to, and leaves no FIFO behind', async () => {
    const command = ['/bin/sh', '-c', 'echo to-out; echo to-err >&2; exit 4'];
    const result = await finish(await exec(command, { tty: true, separateStderr: true }));
    expect(result).toEqual({ stdout: 'to-out\r\n', stderr: 'to-err\r\n', exitCode: 4 });
    const { stdout } = await finish(await exec(['/bin/sh', '-c', 'ls /tmp | grep -c fifo || true']));
    expect(stdout.trim()).toBe('0');
  });

  it('kills the whole execution on kill()', async () => {
    const process = await exec(['/bin/sh', '-c', 'echo started; sleep 300 & sleep 300; echo never']);
    const result = finish(process);
    await started(process);
    process.kill();
    expect((await result).stdout).toBe('started\n');
    expect((await result).exitCode).toBe(137);
  });

  it('fails with BackendUnavailable when the agent restarts under a running execution', async () => {
    const process = await exec(['/bin/sh', '-c', 'echo started; exec sleep 300']);
    const result = finish(process);
    await started(process);
    fixture.server.restartAgent();
    await expect(result).rejects.toMatchObject({ code: 'BackendUnavailable' });
  });

  it('fails with RunnerGone, naming the OOM kill, when the runner task was OOM-killed', async () => {
    const spec = runnerSpec(5);
    const allocationId = await runningRunner(fixture.backend, spec);
    fixture.server.oomKill(allocationId);
    await expect(
      fixture.backend.exec({ jobId: spec.id, command: ['true'], tty: false, privileged: false }),
    ).rejects.toMatchObject({
      code: 'RunnerGone',
      details: { cause: 'oomKilled' },
    });
  });

  it('fails with RunnerGone for a job without allocations', async () => {
    await expect(
      fixture.backend.exec({ jobId: runnerSpec(5).id, command: ['true'], tty: false, privileged: false }),
    ).rejects.toMatchObject({
      code: 'RunnerGone',
      details: { cause: 'deregistered' },
    });
  });

  it('answers only frames and bodies the OpenAPI document allows', () => {
    expect(fixture.server.violations).toEqual([]);
  });
});
