/**
 * Interactive executions on a PTY through the real sandbox: echo, CR LF, job-control characters reaching the program
 * (not bubblewrap), separate stderr, and back-pressure of a flooding program.
 */
import { randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { ExecProcess, ExecRequest } from '../../reconcilers/ports';
import { eventually } from '../support/eventually';
import { bash, collect, runnerJob, startHarness, type Harness } from './embedded-harness';
import { processesRunning } from './processes';

const R = '9-00000000-0000-4000-8000-0000000000c1';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.backend.registerJob(runnerJob(R));
  await h.backend.settled();
});
afterAll(async () => {
  await h?.destroy();
});

/** A live PTY session: its accumulated output and a way to wait for some of it. */
interface Session {
  execution: ExecProcess;
  output(): string;
  errors(): string;
  waitFor(text: string): Promise<void>;
}

async function session(command: string, extra: Partial<ExecRequest> = {}): Promise<Session> {
  const execution = await h.backend.exec({
    jobId: R,
    command: ['bash', '-c', command],
    privileged: false,
    tty: true,
    ...extra,
  });
  let out = '';
  let err = '';
  execution.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  execution.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    execution,
    output: () => out,
    errors: () => err,
    waitFor: async (text) => {
      await eventually(() => out.includes(text), { timeoutMs: 5000, message: `output ${text}` });
    },
  };
}

describe('a tty execution', () => {
  it('echoes input and ends lines with CR LF', async () => {
    const s = await session('head -n 1');
    s.execution.stdin.write('Hello World!\n');
    expect(await s.execution.exited).toEqual({ exitCode: 0 });
    expect(s.output()).toBe('Hello World!\r\nHello World!\r\n');
  });

  it('runs the program on a terminal', async () => {
    const s = await session('test -t 0 && test -t 1 && echo both-tty');
    expect(await s.execution.exited).toEqual({ exitCode: 0 });
    expect(s.output()).toBe('both-tty\r\n');
  });

  it('turns Ctrl-C into SIGINT for the program (exit 130) and Ctrl-\\ into SIGQUIT (exit 131)', async () => {
    const [first, second] = [`100.${randomInt(1e9)}`, `100.${randomInt(1e9)}`];
    const [interrupted, quit] = await Promise.all([session(`sleep ${first}`), session(`sleep ${second}`)]);
    // Wait until the programs run: a signal arriving while bash is still exec'ing them would stay blocked.
    await eventually(() => processesRunning('sleep', first).length + processesRunning('sleep', second).length === 2);
    interrupted.execution.stdin.write('\x03');
    quit.execution.stdin.write('\x1c');
    expect(await interrupted.execution.exited).toEqual({ exitCode: 130 });
    expect(await quit.execution.exited).toEqual({ exitCode: 131 });
  });

  it("delivers Ctrl-C to the program's own handler", async () => {
    const s = await session('trap "echo trapped; exit 3" INT; echo ready; while :; do sleep 0.05; done');
    await s.waitFor('ready');
    s.execution.stdin.write('\x03');
    expect(await s.execution.exited).toEqual({ exitCode: 3 });
    expect(s.output()).toContain('trapped');
  });

  it('turns Ctrl-D at the start of a line into end of input', async () => {
    const s = await session('cat; echo cat-done');
    s.execution.stdin.write('abc\n');
    await s.waitFor('abc\r\nabc\r\n');
    s.execution.stdin.write('\x04');
    expect(await s.execution.exited).toEqual({ exitCode: 0 });
    expect(s.output()).toBe('abc\r\nabc\r\ncat-done\r\n');
  });

  it('reports death by a signal as 128 + the signal number', async () => {
    const s = await session('kill -TERM $$');
    expect(await s.execution.exited).toEqual({ exitCode: 143 });
  });
});

describe('stderr of a tty execution', () => {
  it('comes separately with CR LF when asked for, and leaves no FIFO behind', async () => {
    const s = await session('echo out; echo err >&2; echo err2 >&2', { separateStderr: true });
    expect(await s.execution.exited).toEqual({ exitCode: 0 });
    expect(s.output()).toBe('out\r\n');
    expect(s.errors()).toBe('err\r\nerr2\r\n');
    expect((await bash(h.backend, R, 'ls -A /tmp')).stdout).toBe('');
    // Used FIFOs are removed: only the few made ahead for the next executions remain.
    for (let n = 0; n < 12; n++) {
      const again = await session('echo err >&2', { separateStderr: true });
      expect(await again.execution.exited).toEqual({ exitCode: 0 });
      expect(again.errors()).toBe('err\r\n');
    }
    expect(readdirSync(path.join(h.stateDir, 'run')).length).toBeLessThanOrEqual(8);
  });

  it('is merged into stdout otherwise', async () => {
    const s = await session('echo out; echo err >&2');
    expect(await s.execution.exited).toEqual({ exitCode: 0 });
    expect(s.output()).toBe('out\r\nerr\r\n');
    expect(s.errors()).toBe('');
  });
});

describe('a program flooding its output', () => {
  it.each([true, false])('is held back while the consumer does not read (tty %s)', async (tty) => {
    const execution = await h.backend.exec({ jobId: R, command: ['yes'], privileged: false, tty });
    execution.stderr.resume();
    // Nobody reads yet: the service's buffer fills to its mark and then stops growing, because the pipe or PTY is
    // paused and `yes` blocks.
    await eventually(
      async () => {
        const before = execution.stdout.readableLength;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return before > 0 && execution.stdout.readableLength === before;
      },
      { timeoutMs: 10000 },
    );
    expect(execution.stdout.readableLength).toBeLessThanOrEqual(execution.stdout.readableHighWaterMark + 64 * 1024);
    let read = 0;
    execution.stdout.on('data', (chunk: Buffer) => (read += chunk.length));
    await eventually(() => read > 1024 * 1024, { timeoutMs: 10000 });
    execution.kill();
    expect(await execution.exited).toEqual({ exitCode: 137 });
  });

  it.each([100_000, 300_000])(
    'still delivers all %d bytes it wrote before exiting to a consumer that reads late',
    async (size) => {
      const execution = await h.backend.exec({
        jobId: R,
        command: ['bash', '-c', `head -c ${size} /dev/zero | tr "\\0" x; echo; echo END`],
        privileged: false,
        tty: true,
      });
      // Longer than node-pty's 200 ms grace after an exit: the program has exited with output still unread.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const output = await collect(execution.stdout);
      expect(await execution.exited).toEqual({ exitCode: 0 });
      expect(output.toString().replace(/\r\n/g, '\n')).toBe(`${'x'.repeat(size)}\nEND\n`);
    },
  );
});
