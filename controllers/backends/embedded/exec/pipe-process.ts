/**
 * A sandbox process with plain pipes (tty=false): stdin, stdout and stderr are separate, binary-safe byte streams.
 * Back-pressure is the pipes' own: a consumer that stops reading stops the program once the pipe buffer is full.
 */
import { spawn } from 'node:child_process';
import { PoseidonError } from '../../../../crds/errors';
import { exitStatus } from './exit-status';
import { type SpawnedProcess, streamDone } from './spawned-process';

/** Starts `file args` with pipes and an empty environment (the sandbox sets its own). */
export function spawnWithPipes(file: string, args: readonly string[]): SpawnedProcess {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: {}, cwd: '/' });
  // Writes after the program stopped reading fail with EPIPE; that is the program's business, not a crash.
  child.stdin.on('error', () => undefined);
  const exit = new Promise<number>((resolve, reject) => {
    child.once('error', (cause) =>
      reject(new PoseidonError('BackendUnavailable', `cannot start the sandbox: ${cause.message}`, { cause })),
    );
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
  });
  const done = Promise.all([exit, streamDone(child.stdout), streamDone(child.stderr)]).then(([status]) => status);
  return {
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    exit,
    finished: done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
