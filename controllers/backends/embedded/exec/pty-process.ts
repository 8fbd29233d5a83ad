/**
 * A sandbox process on a PTY (tty=true) through node-pty: the line discipline echoes input, turns `\n` into `\r\n`,
 * and maps Ctrl-C / Ctrl-\ / Ctrl-D to SIGINT / SIGQUIT / EOF for the program's session. Output is raw bytes with
 * back-pressure: when the consumer's buffer is full the PTY is paused, so the program blocks instead of the service
 * buffering without bound; output the program wrote before exiting stays readable and complete (see
 * keepOutputAfterExit and pty-drain.ts).
 */
import { type IPty, spawn } from 'node-pty';
import { Readable, Writable } from 'node:stream';
import { PoseidonError } from '../../../../crds/errors';
import { exitStatus } from './exit-status';
import { PtyDrain } from './pty-drain';
import { endedReadable, type SpawnedProcess, streamDone } from './spawned-process';

const OUTPUT_HIGH_WATER_MARK = 64 * 1024;
const QUIET_MS = 300;

/** The part of node-pty's internals this module relies on (node-pty 1.1 on Linux). */
interface PtyInternals {
  _socket?: { destroy(error?: Error): void; destroyed?: boolean; once(event: 'close', listener: () => void): void };
  /** The terminal side's path. */
  _pty?: string;
}

/**
 * node-pty force-destroys its socket 200 ms after the process exited, dropping output a slow (paused) consumer has
 * not read yet, or any output when the event loop stalls that long. That forced destroy (the only call without an
 * error; the stream's own destroy on EIO carries one) is postponed until the drain has seen the end of the output
 * and the consumer reads again; the socket then ends by itself with EIO, or is destroyed after a quiet moment.
 */
function keepOutputAfterExit(pty: IPty, state: { paused: boolean; lastData: number }, drain: PtyDrain): void {
  const socket = (pty as unknown as PtyInternals)._socket;
  if (!socket) return;
  const destroy = socket.destroy.bind(socket) as (error?: Error) => void;
  let timer: NodeJS.Timeout | undefined;
  socket.once('close', () => clearInterval(timer));
  socket.destroy = (error?: Error) => {
    if (error) return destroy(error);
    if (timer) return;
    timer = setInterval(() => {
      if (socket.destroyed) clearInterval(timer);
      else if (drain.released && !state.paused && Date.now() - state.lastData > QUIET_MS) {
        clearInterval(timer);
        destroy();
      }
    }, 100).unref();
  };
}

/** Wires the PTY's output into a Readable with back-pressure. */
function outputOf(pty: IPty): Readable {
  const state = { paused: false, lastData: Date.now() };
  const drain = new PtyDrain((pty as unknown as PtyInternals)._pty, pty.pid);
  keepOutputAfterExit(pty, state, drain);
  const stdout = new Readable({
    highWaterMark: OUTPUT_HIGH_WATER_MARK,
    read: () => {
      if (!state.paused) return;
      state.paused = false;
      pty.resume();
    },
  });
  pty.onData((data) => {
    state.lastData = Date.now();
    const chunk = drain.filter(typeof data === 'string' ? Buffer.from(data) : data);
    if (chunk.length === 0 || stdout.push(chunk) || state.paused) return;
    state.paused = true;
    pty.pause();
  });
  pty.onExit(() => {
    drain.release();
    const rest = drain.rest();
    if (rest.length > 0) stdout.push(rest);
    stdout.push(null);
  });
  return stdout;
}

/** Input goes to the PTY as typed; after the process exited it is dropped. Ending stdin sends nothing (use `\x04`). */
function inputOf(pty: IPty, exited: () => boolean): Writable {
  return new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      if (!exited()) pty.write(chunk);
      callback();
    },
  });
}

/**
 * Starts `file args` on a new PTY with an empty environment (the sandbox sets its own). `stderr` is the separately
 * delivered stderr stream, if any (else stderr arrives merged in stdout and the returned stderr is empty).
 */
export function spawnWithPty(file: string, args: readonly string[], stderr?: Readable): SpawnedProcess {
  let pty: IPty;
  try {
    pty = spawn(file, [...args], { name: 'xterm', cols: 80, rows: 24, cwd: '/', env: {}, encoding: null });
  } catch (cause) {
    throw new PoseidonError('BackendUnavailable', 'cannot start the sandbox on a PTY', { cause });
  }
  let status: number | undefined;
  const exit = new Promise<number>((resolve) => {
    pty.onExit(({ exitCode, signal }) => {
      status = exitStatus(exitCode, signal);
      resolve(status);
    });
  });
  const stdout = outputOf(pty);
  // A merged stderr carries nothing: the caller need not read it for the execution to finish.
  const errors = stderr ?? endedReadable();
  const done = Promise.all([exit, streamDone(stdout), stderr ? streamDone(stderr) : undefined]).then(([code]) => code);
  return {
    stdin: inputOf(pty, () => status !== undefined),
    stdout,
    stderr: errors,
    exit,
    finished: done,
    kill: () => {
      if (status === undefined) pty.kill('SIGKILL');
    },
  };
}
