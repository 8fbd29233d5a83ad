/**
 * Runs the double's allocations on the embedded backend's bubblewrap sandboxes: every Nomad allocation becomes one
 * embedded job `alloc-<allocation id>` in a private state directory, and a Nomad exec becomes an embedded exec as
 * root (Docker's exec runs as the task's user; the Nomad adapter drops privileges itself).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { createEmbeddedBackend, type EmbeddedBackend } from '../../controllers/backends/embedded/embedded-backend';
import type { AllocationRuntime, RuntimePort, RuntimeProcess, RuntimeTask, TaskDeath } from './allocation-runtime';

/** Options of the embedded runtime. */
export interface EmbeddedRuntimeOptions {
  readonly logger: Logger;
  /** State directory; default a fresh temporary directory, removed on close. */
  readonly stateDir?: string;
  /** Image name -> root directory (see the embedded backend). */
  readonly rootfs?: Readonly<Record<string, string>>;
}

const jobIdOf = (allocationId: string) => `alloc-${allocationId}`;

/** Creates the runtime (and the embedded backend under it). */
export async function createEmbeddedRuntime(options: EmbeddedRuntimeOptions): Promise<AllocationRuntime> {
  const ownDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(os.tmpdir(), 'nomad-test-server-')));
  const backend = await createEmbeddedBackend({ stateDir, logger: options.logger, rootfs: options.rootfs });
  await backend.start();
  const listeners: ((death: TaskDeath) => void)[] = [];
  const watcher = new AbortController();
  void watchDeaths(backend, watcher.signal, (death) => listeners.forEach((listener) => listener(death)));
  const env = new Map<string, Readonly<Record<string, string>>>();
  return {
    name: 'embedded',
    start: (task) => start(backend, task, env),
    stop: async (allocationId) => {
      env.delete(allocationId);
      await backend.deregisterJob(jobIdOf(allocationId));
    },
    exec: (allocationId, command, tty) => exec(backend, allocationId, command, tty, env.get(allocationId) ?? {}),
    onTaskDeath: (listener) => listeners.push(listener),
    close: async () => {
      watcher.abort();
      const { items } = await backend.listJobs('alloc-');
      await Promise.all(items.map((job) => backend.deregisterJob(job.id).catch(() => undefined)));
      await backend.stop();
      if (ownDir) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

async function start(
  backend: EmbeddedBackend,
  task: RuntimeTask,
  env: Map<string, Readonly<Record<string, string>>>,
): Promise<{ ports: RuntimePort[] }> {
  const jobId = jobIdOf(task.allocationId);
  env.set(task.allocationId, task.env);
  await backend.registerJob({ id: jobId, settings: { ...task.settings, forcePull: false }, meta: {} });
  await backend.settled();
  const [allocation] = await backend.jobAllocations(jobId);
  if (allocation?.clientStatus === 'running') return { ports: [...allocation.ports] };
  const reason = allocation?.taskEvents.at(-1)?.message ?? `allocation is ${allocation?.clientStatus ?? 'missing'}`;
  throw new Error(`failed to start task: ${reason}`);
}

async function exec(
  backend: EmbeddedBackend,
  allocationId: string,
  command: readonly string[],
  tty: boolean,
  env: Readonly<Record<string, string>>,
): Promise<RuntimeProcess> {
  const process = await backend.exec({ jobId: jobIdOf(allocationId), command, env, privileged: true, tty });
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    exit: process.exited.then((exit) => exit.exitCode),
    kill: () => process.kill(),
  };
}

/** Reports allocations of `alloc-*` jobs that failed or were lost without being stopped. */
async function watchDeaths(backend: EmbeddedBackend, signal: AbortSignal, report: (death: TaskDeath) => void) {
  try {
    for await (const batch of backend.events(0, signal)) {
      for (const event of batch) {
        if (event.topic !== 'Allocation' || !event.allocation.jobId.startsWith('alloc-')) continue;
        const { allocation } = event;
        if (allocation.desiredStatus !== 'run') continue;
        if (allocation.clientStatus !== 'failed' && allocation.clientStatus !== 'lost') continue;
        const message = allocation.taskEvents.at(-1)?.message ?? `task ${allocation.clientStatus}`;
        report({ allocationId: allocation.jobId.slice('alloc-'.length), message });
      }
    }
  } catch {
    // the backend stopped or the feed broke: nothing more to report
  }
}
