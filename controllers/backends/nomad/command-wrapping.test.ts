import { spawn, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { eventually } from '../../../test/support/eventually';
import { EXECUTION_ID_VARIABLE, killCommand, shellQuote, stderrSplitCommands, wrapCommand } from './command-wrapping';

/** Runs an argv built by the wrapper with the host's bash, as Nomad would run it inside a container. */
function run(argv: string[], env: Record<string, string> = {}) {
  const [file, ...args] = argv;
  const result = spawnSync(file as string, args, {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

const base = { privileged: true, env: {}, unprivilegedPrefix: ['/sbin/setuser', 'user'], executionId: 'exec-1' };

describe('command wrapping', () => {
  it('passes every argument through unchanged, whatever characters it holds', () => {
    const text = fc.string({ unit: 'binary', minLength: 0, maxLength: 40 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(fc.array(text, { maxLength: 5 }), (args) => {
        const argv = wrapCommand(['/usr/bin/printf', '%s\\0', ...args], base);
        const expected = args.map((arg) => `${arg}\0`).join('');
        expect(run(argv).stdout).toBe(args.length === 0 ? '\0' : expected);
      }),
      { numRuns: 30 },
    );
  });

  it('exports the request environment verbatim, with CODEOCEAN=true and the execution tag', () => {
    const env = { GREETING: 'it\'s $HOME `id` "quoted"\nnext line', EMPTY: '' };
    const argv = wrapCommand(['/usr/bin/env'], { ...base, env });
    const lines = run(argv).stdout;
    expect(lines).toContain('CODEOCEAN=true\n');
    expect(lines).toContain(`GREETING=${env.GREETING}\n`);
    expect(lines).toContain('EMPTY=\n');
    expect(lines).toContain(`${EXECUTION_ID_VARIABLE}=exec-1\n`);
  });

  it('removes the NOMAD_* variables of the task environment', () => {
    const argv = wrapCommand(['/usr/bin/env'], base);
    const output = run(argv, { NOMAD_ALLOC_ID: 'a1', NOMAD_JOB_ID: 'j1', KEEP_ME: 'yes' }).stdout;
    expect(output).not.toMatch(/^NOMAD_/m);
    expect(output).toContain('KEEP_ME=yes');
  });

  it('keeps the exit code of the command', () => {
    expect(run(wrapCommand(['/bin/sh', '-c', 'exit 42'], base)).status).toBe(42);
  });

  it('puts the unprivileged prefix in front of unprivileged commands only', () => {
    const prefix = ['/usr/bin/printf', 'as-user:%s;'];
    const unprivileged = run(wrapCommand(['x'], { ...base, privileged: false, unprivilegedPrefix: prefix }));
    expect(unprivileged.stdout).toBe('as-user:x;');
  });

  it('refuses environment names that are not identifiers and NUL bytes anywhere', () => {
    expect(() => wrapCommand(['true'], { ...base, env: { 'A;rm -rf /': 'x' } })).toThrow(
      expect.objectContaining({ code: 'Invalid' }),
    );
    expect(() => wrapCommand(['a\0b'], base)).toThrow(expect.objectContaining({ code: 'Invalid' }));
    expect(() => wrapCommand([], base)).toThrow(expect.objectContaining({ code: 'Invalid' }));
  });

  it('quotes single quotes so the shell reads them literally', () => {
    expect(run(['/bin/bash', '-c', `printf %s ${shellQuote("a'b'\\c")}`]).stdout).toBe("a'b'\\c");
  });

  it('splits stderr through a FIFO that the reader removes afterwards', async () => {
    const fifo = `/tmp/poseidon-stderr-test-${process.pid}.fifo`;
    const commands = stderrSplitCommands(['/bin/sh', '-c', 'echo out; echo err >&2; exit 5'], base, fifo);
    const [readerFile, ...readerArgs] = commands.reader;
    const reader = spawn(readerFile as string, readerArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stderr = '';
    reader.stdout.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const readerDone = new Promise((resolve) => reader.on('exit', resolve));
    const writer = run(commands.writer);
    await readerDone;
    expect(writer).toMatchObject({ stdout: 'out\n', status: 5 });
    expect(stderr).toBe('err\n');
    expect(spawnSync('test', ['-e', fifo]).status).not.toBe(0);
  });

  it('kills every process tagged with the execution id and nothing else', async () => {
    const tagged = spawn('/bin/sh', ['-c', 'sleep 600 & sleep 600 & wait'], {
      env: { PATH: '/usr/bin:/bin', [EXECUTION_ID_VARIABLE]: 'victim' },
      stdio: 'ignore',
    });
    const bystander = spawn('/bin/sleep', ['600'], { env: { [EXECUTION_ID_VARIABLE]: 'other' }, stdio: 'ignore' });
    try {
      await eventually(
        () =>
          spawnSync('pgrep', ['-P', String(tagged.pid)])
            .stdout.toString()
            .trim()
            .split('\n').length === 2,
      );
      const exited = new Promise((resolve) => tagged.on('exit', (_code, signal) => resolve(signal)));
      run(killCommand('victim'));
      await expect(exited).resolves.toBe('SIGKILL');
      expect(bystander.exitCode).toBeNull();
      expect(bystander.signalCode).toBeNull();
    } finally {
      tagged.kill('SIGKILL');
      bystander.kill('SIGKILL');
    }
  });
});
