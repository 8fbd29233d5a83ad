/**
 * The service as a separate process: `poseidon serve` (controllers/cli/main.ts, run from the TypeScript sources
 * through test/crds/support/ts-register.cjs) in a state directory, so tests can kill it with SIGKILL at any instant
 * and start another service on the same state. The port comes from its "Poseidon is ready" log line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { serviceEnv } from './service-harness';

const ROOT = path.resolve(__dirname, '../../..');
const REGISTER = path.join(ROOT, 'test/crds/support/ts-register.cjs');
const CLI = path.join(ROOT, 'controllers/cli/main.ts');

/** A running `poseidon serve` child. */
export interface ChildService {
  readonly port: number;
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** Log lines (parsed JSON) seen so far. */
  readonly logs: readonly Record<string, unknown>[];
  /** Sends `signal` and waits for the process to end. */
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

/** Starts `poseidon serve` in `dir` and resolves once its API listens. Rejects when it exits before that. */
export function spawnServe(dir: string, extraEnv: Readonly<Record<string, string>> = {}): Promise<ChildService> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', POSEIDON_LOGGER_LEVEL: 'info', ...serviceEnv(extraEnv) };
  const child = spawn(process.execPath, ['-r', REGISTER, CLI, 'serve'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
    lines.on('line', (line) => {
      const entry = parseLine(line);
      if (!entry) return;
      logs.push(entry);
      if (entry.msg === 'Poseidon is ready' && typeof entry.port === 'number') {
        resolve(childService(child, entry.port, exited, logs));
      }
    });
    void exited.then((code) =>
      reject(new Error(`poseidon serve exited (${code}) before it was ready: ${stderr.join('').slice(-2000)}`)),
    );
  });
}

function childService(
  child: ChildProcess,
  port: number,
  exited: Promise<number | string>,
  logs: Record<string, unknown>[],
): ChildService {
  return {
    port,
    pid: child.pid ?? -1,
    exited,
    logs,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
