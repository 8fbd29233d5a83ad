/**
 * Shared set-up of the embedded backend suites: a backend on a fresh temp state directory, job specs, running a
 * command to completion with its output collected, and a clean-up that deregisters every job (killing processes,
 * removing cgroups and namespaces), stops the backend and deletes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import {
  createEmbeddedBackend,
  type EmbeddedBackend,
  type EmbeddedBackendOptions,
} from '../../controllers/backends/embedded/embedded-backend';
import type { ExecProcess, ExecRequest, JobSpec, TaskSettings } from '../../reconcilers/ports';

/** Settings of a small runner without network. */
export function settings(overrides: Partial<TaskSettings> = {}): TaskSettings {
  return { image: 'host', cpuLimit: 100, memoryLimit: 0, networkAccess: false, exposedPorts: [], ...overrides };
}

/** A runner job spec. */
export function runnerJob(
  id: string,
  overrides: Partial<TaskSettings> = {},
  meta: Record<string, string> = {},
): JobSpec {
  return { id, settings: settings(overrides), meta };
}

/** A backend on a fresh state directory, and how to tear it down. */
export interface Harness {
  backend: EmbeddedBackend;
  stateDir: string;
  registry: Registry;
  options: EmbeddedBackendOptions;
  /** Creates another backend object on the same state directory (after `backend.stop()`). */
  reopen(): Promise<EmbeddedBackend>;
  destroy(): Promise<void>;
}

/** Creates a started backend on a new temp directory. */
export async function startHarness(overrides: Partial<EmbeddedBackendOptions> = {}): Promise<Harness> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'embedded-test-'));
  const registry = new Registry();
  const options: EmbeddedBackendOptions = {
    stateDir,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    registry,
    rootfs: { host: '/' } as Record<string, string>,
    ...overrides,
  };
  const harness: Harness = {
    backend: await createEmbeddedBackend(withoutHostRootfs(options)),
    stateDir,
    registry,
    options,
    reopen: async () => {
      harness.backend = await createEmbeddedBackend(withoutHostRootfs({ ...options, registry: new Registry() }));
      await harness.backend.start();
      return harness.backend;
    },
    destroy: async () => {
      const jobs = await harness.backend.listJobs('');
      await Promise.all(jobs.items.map((job) => harness.backend.deregisterJob(job.id)));
      await harness.backend.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  await harness.backend.start();
  return harness;
}

/** The image `host` stands for the host system: it is not mapped (the mapping above only names it). */
function withoutHostRootfs(options: EmbeddedBackendOptions): EmbeddedBackendOptions {
  const rootfs = Object.fromEntries(Object.entries(options.rootfs ?? {}).filter(([image]) => image !== 'host'));
  return { ...options, rootfs };
}

/** Output and status of a finished execution. */
export interface Finished {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Collects a stream's bytes. */
export function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Runs `command` to completion (stdin: `input`, then closed) and returns its output. */
export async function run(
  backend: EmbeddedBackend,
  request: Omit<ExecRequest, 'privileged' | 'tty'> & Partial<Pick<ExecRequest, 'privileged' | 'tty'>>,
  input = '',
): Promise<Finished> {
  const process: ExecProcess = await backend.exec({ privileged: false, tty: false, ...request });
  const [stdout, stderr] = await Promise.all([
    collect(process.stdout),
    collect(process.stderr),
    writeAll(process, input),
  ]);
  const { exitCode } = await process.exited;
  return { stdout: stdout.toString(), stderr: stderr.toString(), exitCode };
}

async function writeAll(process: ExecProcess, input: string): Promise<void> {
  if (input) process.stdin.write(input);
  process.stdin.end();
}

/** Runs a bash script in the runner (unprivileged, no tty). */
export function bash(backend: EmbeddedBackend, jobId: string, script: string, extra: Partial<ExecRequest> = {}) {
  return run(backend, { jobId, command: ['bash', '-c', script], ...extra });
}
