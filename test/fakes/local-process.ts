/**
 * The two ways {@link LocalExec} runs a program: on a PTY (node-pty; echo, `\r\n`, Ctrl-C/Ctrl-\ through the line
 * discipline) or on pipes (child_process). Either way the program leads its own process group, so a kill reaches
 * everything it started, and `exited` settles only after the exit and the end of its output.
 */
import { spawn as spawnChild } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { PassThrough, Readable, Writable, finished } from 'node:stream';
import { spawn as spawnPty, type IPty } from 'node-pty';
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
  const exited = exit.then(async (exitCode) => {
    // A failed execution's output may have no reader any more: drain it instead of waiting for one.
    if (failure) for (const stream of [streams.stdout, streams.stderr]) stream.resume();
    await Promise.all([ended(streams.stdout), ended(streams.stderr)]);
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

/**
 * Output of a PTY, read to the very end. When a PTY's last slave descriptor closes right after a burst of output, the
 * kernel may end the master's stream before the last kilobytes were read, so the slave is held open here until the
 * program is gone; then a marker is written into the slave, and once it comes out of the master everything the
 * program wrote has been read: the stream ends and the slave is released.
 */
class PtyOutput {
  readonly stream = new PassThrough();
  private readonly marker = `[local-exec drained ${randomBytes(8).toString('hex')}]`;
  private slave: number | undefined;
  private watching: NodeJS.Timeout | undefined;
  private markerSent = false;
  private tail = '';
  private ended = false;

  constructor(pty: IPty) {
    const name = (pty as unknown as { ptsName?: unknown }).ptsName;
    try {
      if (typeof name === 'string')
        this.slave = openSync(name, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    } catch {
      this.slave = undefined;
    }
    pty.onData((data) => this.onData(typeof data === 'string' ? Buffer.from(data) : data));
    this.watching = setInterval(() => this.watch(pty.pid), 5);
  }

  /** Ends the stream (the PTY closed); releases the slave. */
  end(): void {
    if (!this.ended) this.finish(Buffer.from(this.tail, 'latin1'));
  }

  private watch(pid: number): void {
    try {
      process.kill(pid, 0);
      return;
    } catch {
      clearInterval(this.watching);
    }
    try {
      if (this.slave === undefined) throw new Error('no slave');
      writeSync(this.slave, this.marker);
      this.markerSent = true;
    } catch {
      this.release();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    if (!this.markerSent) return void this.stream.write(chunk);
    // latin1 maps bytes 1:1, so the search works on raw bytes.
    const text = this.tail + chunk.toString('latin1');
    const at = text.indexOf(this.marker);
    if (at !== -1) return this.finish(Buffer.from(text.slice(0, at), 'latin1'));
    const keep = Math.min(text.length, this.marker.length - 1);
    this.stream.write(Buffer.from(text.slice(0, text.length - keep), 'latin1'));
    this.tail = text.slice(text.length - keep);
  }

  private finish(rest: Buffer): void {
    this.ended = true;
    clearInterval(this.watching);
    if (rest.length > 0) this.stream.write(rest);
    this.stream.end();
    this.release();
  }

  private release(): void {
    if (this.slave === undefined) return;
    closeSync(this.slave);
    this.slave = undefined;
  }
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
  const output = new PtyOutput(pty);
  const exit = new Promise<number>((resolve) => {
    pty.onExit(({ exitCode, signal }) => {
      exitedYet = true;
      output.end();
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
  return assemble(pty.pid, { stdin, stdout: output.stream, stderr }, exit, async () => fifo?.remove());
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
