/**
 * A sandbox process on a PTY (tty=true) through node-pty: the line discipline echoes input, turns `\n` into `\r\n`,
 * and maps Ctrl-C / Ctrl-\ / Ctrl-D to SIGINT / SIGQUIT / EOF for the program's session. Output is raw bytes with
 * back-pressure: when the consumer's buffer is full the PTY is paused, so the program blocks instead of the service
 * buffering without bound. node-pty discards unread output 200 ms after the process exits, so while paused the
 * process is watched and, once it is gone, reading resumes to drain what the kernel still holds (at most its PTY
 * buffer).
 */
import { type IPty, spawn } from 'node-pty';
import { Readable, Writable } from 'node:stream';
import { PoseidonError } from '../../../../crds/errors';
import { exitStatus } from './exit-status';
import { endedReadable, type SpawnedProcess, streamDone } from './spawned-process';

const OUTPUT_HIGH_WATER_MARK = 64 * 1024;
const EXIT_WATCH_MS = 40;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wires the PTY's output into a Readable with back-pressure. */
function outputOf(pty: IPty): Readable {
  let paused = false;
  let draining = false;
  let watch: NodeJS.Timeout | undefined;
  const stopWatch = (): void => {
    if (watch) clearInterval(watch);
    watch = undefined;
  };
  const stdout = new Readable({
    highWaterMark: OUTPUT_HIGH_WATER_MARK,
    read: () => {
      if (!paused) return;
      paused = false;
      stopWatch();
      pty.resume();
    },
  });
  pty.onData((data) => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (stdout.push(chunk) || draining || paused) return;
    paused = true;
    pty.pause();
    watch = setInterval(() => {
      if (alive(pty.pid)) return;
      draining = true;
      paused = false;
      stopWatch();
      pty.resume();
    }, EXIT_WATCH_MS);
  });
  pty.onExit(() => {
    stopWatch();
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
