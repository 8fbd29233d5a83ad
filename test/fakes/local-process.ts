/**
 * The two ways {@link LocalExec} runs a program: on a PTY (node-pty; echo, `\r\n`, Ctrl-C/Ctrl-\ through the line
 * discipline) or on pipes (child_process). Either way the program leads its own process group, so a kill reaches
 * everything it started, and `exited` settles only after the exit and the end of its output.
 */
import { spawn as spawnChild } from 'node:child_process';
import { PassThrough, Readable, Writable, finished } from 'node:stream';
import { spawn as spawnPty } from 'node-pty';
import { exitStatus } from '../../controllers/backends/embedded/exec/exit-status';
import type { StderrFifo } from '../../controllers/backends/embedded/exec/stderr-fifo';
import type { ExecProcess } from '../../reconcilers/ports';

/** What to run. */
export interface ProcessSpec {
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly uid?: number;
  readonly gid?: number;
}

/** A started program and the controls its owner needs. */
export interface LocalProcess {
  readonly process: ExecProcess;
  /** SIGKILLs the program's process group. */
  kill(): void;
  /** Kills the program and makes `exited` reject with `error`. */
  fail(error: Error): void;
}

function ended(stream: Readable): Promise<void> {
  return new Promise((resolve) => finished(stream, () => resolve()));
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Assembles the ExecProcess around a started program. */
function assemble(
  pid: number | undefined,
  streams: { stdin: Writable; stdout: Readable; stderr: Readable },
  exit: Promise<number>,
  cleanup: () => Promise<void> = async () => undefined,
): LocalProcess {
  let failure: Error | undefined;
  const exited = Promise.all([exit, ended(streams.stdout), ended(streams.stderr)]).then(async ([exitCode]) => {
    await cleanup();
    if (failure) throw failure;
    return { exitCode };
  });
  exited.catch(() => undefined);
  const kill = (): void => killGroup(pid);
  return {
    process: { ...streams, exited, kill },
    kill,
    fail: (error) => {
      failure ??= error;
      kill();
    },
  };
}

/** Runs `spec` on a new PTY; with `fifo`, stderr is redirected into it (and delivered as the stderr stream). */
export function startOnPty(spec: ProcessSpec, fifo?: StderrFifo): LocalProcess {
  const [file = 'true', ...args] = fifo
    ? ['/bin/bash', '-c', 'exec 2>"$1"; shift; exec "$@"', 'stderr-redirect', fifo.path, ...spec.command]
    : spec.command;
  const pty = spawnPty(file, args, {
    name: 'xterm',
    cols: 80,
    rows: 24,
    cwd: spec.cwd,
    env: spec.env,
    encoding: null,
    ...(spec.uid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
  });
  let exitedYet = false;
  const stdout = new PassThrough();
  pty.onData((data) => stdout.write(typeof data === 'string' ? Buffer.from(data) : data));
  const exit = new Promise<number>((resolve) => {
    pty.onExit(({ exitCode, signal }) => {
      exitedYet = true;
      stdout.end();
      fifo?.release();
      resolve(exitStatus(exitCode, signal ?? null));
    });
  });
  const stdin = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      if (!exitedYet) pty.write(chunk);
      callback();
    },
  });
  const stderr = fifo ? fifo.stream : Readable.from([]);
  return assemble(pty.pid, { stdin, stdout, stderr }, exit, async () => fifo?.remove());
}

/** Runs `spec` with pipes for stdin, stdout and stderr. */
export function startOnPipes(spec: ProcessSpec): LocalProcess {
  const [file = 'true', ...args] = spec.command;
  const child = spawnChild(file, args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: 'pipe',
    ...(spec.uid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
  });
  const exit = new Promise<number>((resolve) => {
    child.once('error', () => resolve(127));
    child.once('close', (code, signal) => resolve(exitStatus(code, signal)));
  });
  child.stdin.on('error', () => undefined);
  return assemble(child.pid, { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr }, exit);
}
