/**
 * The CLI's end-to-end world: the whole service (controllers/main.ts `startService`) on the embedded backend in a
 * temp directory, loaded through the real configuration loader, and two ways to run the `poseidon` CLI against it:
 * in-process through `main(argv, io)` with captured output, and as the real built binary in a child process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { purgeEmbeddedState } from '../../support/purge-embedded-state';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { main } from '../../../controllers/cli/main';
import type { CliIo } from '../../../controllers/cli/cli-io';
import { loadConfig } from '../../../controllers/config/load-config';
import { startService, type RunningService } from '../../../controllers/main';

/** What one CLI run printed and its exit code. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running service with the CLI pointed at it. */
export interface CliWorld {
  readonly service: RunningService;
  /** The service's base URL. */
  readonly server: string;
  readonly token: string;
  /** The temp directory (state of the service, and a place for manifests under `files/`). */
  readonly dir: string;
  /** Runs the CLI in-process with `POSEIDON_SERVER`/`POSEIDON_TOKEN` set for this service. */
  cli(argv: readonly string[], options?: RunOptions): Promise<CliResult>;
  /** Stops the service and removes the directory. */
  destroy(): Promise<void>;
}

/** Options of one run. */
export interface RunOptions {
  /** Standard input (for `-f -`). */
  readonly stdin?: string;
  /** Replaces the environment (default: the world's server and token). */
  readonly env?: Record<string, string | undefined>;
}

/** Options of {@link startCliWorld}. */
export interface WorldOptions {
  /** Extra `POSEIDON_*` configuration variables of the service. */
  readonly env?: Record<string, string>;
}

/** Starts the service with a token on a free loopback port. */
export async function startCliWorld(options: WorldOptions = {}): Promise<CliWorld> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'poseidon-cli-'));
  const token = `cli-token-${process.pid}-${Date.now()}`;
  const env = { POSEIDON_SERVER_PORT: '0', POSEIDON_SERVER_TOKEN: token, ...options.env };
  const { config } = loadConfig({ argv: [], env, cwd: dir });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const service = await startService({ config, logger, version: 'cli-test', workers: 2 });
  const scheme = config.server.tls.active ? 'https' : 'http';
  const server = `${scheme}://127.0.0.1:${service.address.port}`;
  let stopped: Promise<void> | undefined;
  return {
    service,
    server,
    token,
    dir,
    cli: (argv, run = {}) =>
      runCli(argv, { stdin: run.stdin, env: run.env ?? { POSEIDON_SERVER: server, POSEIDON_TOKEN: token } }),
    destroy: async () => {
      stopped ??= service.stop();
      await stopped;
      await purgeEmbeddedState(config.embedded.statedir, dir);
    },
  };
}

/** Runs `main(argv, io)` in this process with captured output. */
export async function runCli(argv: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text) => void (stdout += text), isTTY: false },
    stderr: { write: (text) => void (stderr += text), isTTY: false },
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    env: options.env ?? {},
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The built CLI (`npm test` builds before jest; `npx tsc -p .` otherwise). */
export const CLI_BINARY = path.join(__dirname, '..', '..', '..', 'dist', 'controllers', 'cli', 'main.js');

/** Runs the built binary as a child process; resolves when it exits. */
export function spawnCli(
  argv: readonly string[],
  options: { env: Record<string, string>; stdin?: string; cwd?: string },
): Promise<CliResult> {
  if (!existsSync(CLI_BINARY)) throw new Error(`${CLI_BINARY} is missing: build first (npx tsc -p .)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BINARY, ...argv], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** An ExecutionEnvironment manifest (YAML) on the host image, with small limits. */
export function environmentYaml(
  name: string,
  id: number,
  spec: { pool?: number; image?: string; memory?: number; labels?: Record<string, string> } = {},
): string {
  const labels = Object.entries(spec.labels ?? {});
  return [
    'apiVersion: poseidon.openhpi.de/v1alpha1',
    'kind: ExecutionEnvironment',
    'metadata:',
    `  name: ${name}`,
    ...(labels.length > 0 ? ['  labels:', ...labels.map(([key, value]) => `    ${key}: "${value}"`)] : []),
    'spec:',
    `  id: ${id}`,
    `  image: ${spec.image ?? 'host'}`,
    `  prewarmingPoolSize: ${spec.pool ?? 1}`,
    `  memoryLimit: ${spec.memory ?? 256}`,
    '',
  ].join('\n');
}
