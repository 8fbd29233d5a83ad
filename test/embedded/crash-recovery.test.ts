/**
 * A crash of the service (SIGKILL, no clean-up at all) with a runner in use: its executions die with it, and a new
 * backend on the same state directory finds the job, its claim meta, the running allocation, the workspace files and
 * a higher index, sweeps the cgroups the dead executions left, and runs programs in the runner again.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { createEmbeddedBackend, type EmbeddedBackend } from '../../controllers/backends/embedded/embedded-backend';
import { compileOptions } from '../../controllers/backends/embedded/embedded-options';
import { eventually } from '../support/eventually';
import { bash } from './embedded-harness';
import { processesOfAllocation, processesRunning } from './processes';

const JOB = '5-00000000-0000-4000-8000-0000000000c9';
const HOOK = path.join(__dirname, 'crash', 'ts-require-hook.cjs');
const CHILD = path.join(__dirname, 'crash', 'crash-child.ts');

let stateDir: string;
let backend: EmbeddedBackend | undefined;
beforeAll(() => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'embedded-crash-'));
});
afterAll(async () => {
  if (backend) {
    await backend.deregisterJob(JOB);
    await backend.stop();
  }
  rmSync(stateDir, { recursive: true, force: true });
});

/** Runs the service in its own process until it reports its runner is busy; returns what it reported and a killer. */
async function startService(mark: string): Promise<{ allocationId: string; index: number; crash(): Promise<void> }> {
  const child = spawn(process.execPath, ['-r', HOOK, CHILD, stateDir, JOB, mark], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the service process exited (${code})`)));
  });
  lines.close();
  const report = JSON.parse(first) as { allocationId: string; index: number };
  return {
    ...report,
    crash: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function executionCgroups(allocationId: string): string[] {
  const { instanceTag } = compileOptions({ stateDir, logger: pino({ level: 'silent' }) });
  const dir = `/sys/fs/cgroup/pids/poseidon-${instanceTag}/${allocationId}`;
  return existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
    : [];
}

it('keeps the runner and everything it had through a crash of the service', async () => {
  const mark = `${1000 + randomInt(8000)}.${randomInt(1_000_000)}`;
  const service = await startService(mark);
  await eventually(() => expect(processesRunning('sleep', mark)).toHaveLength(2), { timeoutMs: 10_000 });
  await service.crash();
  // bwrap dies with its parent, and with it every process of the sandbox.
  await eventually(() => expect(processesRunning('sleep', mark)).toEqual([]), { timeoutMs: 5000 });
  expect(processesOfAllocation(service.allocationId)).toEqual([]);
  const leftovers = executionCgroups(service.allocationId);

  backend = await createEmbeddedBackend({ stateDir, logger: pino({ level: 'silent' }), supervisionIntervalMs: 0 });
  await backend.start();
  const { items, index } = await backend.listJobs('');
  expect(items).toEqual([
    expect.objectContaining({ id: JOB, meta: { used: 'true', timeout: '60' }, status: 'running' }),
  ]);
  expect(index).toBeGreaterThan(service.index);
  expect((await backend.jobAllocations(JOB))[0]).toMatchObject({ id: service.allocationId, clientStatus: 'running' });
  if (backend.cgroups === 'v1') {
    expect(leftovers).toHaveLength(2);
    expect(executionCgroups(service.allocationId)).toEqual([]);
  }
  expect(await bash(backend, JOB, 'cat /workspace/kept')).toEqual({
    stdout: 'before-crash\n',
    stderr: '',
    exitCode: 0,
  });
}, 60_000);
