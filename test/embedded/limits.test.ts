/**
 * Limits of runners on this machine (cgroup v1 memory, cpu and pids as root): memory blow-ups die with 137, a contended
 * CPU is shared by cpuLimit, fork bombs are contained, and no process of an execution outlives it.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { eventually } from '../support/eventually';
import { bash, collect, runnerJob, startHarness, type Harness } from './embedded-harness';
import { processesOfAllocation, processesRunning } from './processes';

const MEMORY = '8-00000000-0000-4000-8000-0000000000a1';
const PLAIN = '8-00000000-0000-4000-8000-0000000000a2';
const LIGHT = '8-00000000-0000-4000-8000-0000000000a3';
const HEAVY = '8-00000000-0000-4000-8000-0000000000a4';

let h: Harness;
const allocationIds = new Map<string, string>();
beforeAll(async () => {
  h = await startHarness();
  await Promise.all([
    h.backend.registerJob(runnerJob(MEMORY, { memoryLimit: 50 })),
    h.backend.registerJob(runnerJob(PLAIN)),
    h.backend.registerJob(runnerJob(LIGHT, { cpuLimit: 20 })),
    h.backend.registerJob(runnerJob(HEAVY, { cpuLimit: 2000 })),
  ]);
  await h.backend.settled();
  for (const jobId of [LIGHT, HEAVY]) allocationIds.set(jobId, await allocationId(jobId));
});
afterAll(async () => {
  await h?.destroy();
});

async function allocationId(jobId: string): Promise<string> {
  const [allocation] = await h.backend.jobAllocations(jobId);
  if (!allocation) throw new Error(`no allocation for ${jobId}`);
  return allocation.id;
}

const token = (): string => `${1000 + randomInt(8000)}.${randomInt(1_000_000)}`;

/** The pid of the `sh` spinning with `tag` inside the runner `jobId`'s allocation, if it runs. */
function spinnerOf(jobId: string, tag: string): number | undefined {
  const allocation = allocationIds.get(jobId);
  const own = new Set(allocation ? processesOfAllocation(allocation) : []);
  return processesRunning('sh', tag).find((pid) => own.has(pid));
}

/** User plus system CPU time of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe('the memory limit', () => {
  it('kills a program that exceeds it (bash prints Killed, status 137), reports the OOM kill, and the runner goes on', async () => {
    expect(h.backend.cgroups).not.toBe('none');
    const blowUp = await bash(h.backend, MEMORY, 'head -c 200m /dev/zero | tail');
    expect(blowUp.exitCode).toBe(137);
    expect(blowUp.stderr).toContain('Killed');
    await eventually(async () => {
      const [allocation] = await h.backend.jobAllocations(MEMORY);
      expect(allocation?.taskEvents.some((event) => event.oomKilled === true)).toBe(true);
      expect(allocation?.clientStatus).toBe('running');
    });
    const after = await bash(h.backend, MEMORY, 'head -c 20m /dev/zero | wc -c');
    expect(after).toEqual({ stdout: '20971520\n', stderr: '', exitCode: 0 });
  });
});

describe('the CPU limit', () => {
  // Seen once in a full run on a fresh clone (the spinners never showed up within 15 s while two other workers ran
  // sandbox suites) and not reproduced alone or under load since: one retry, with the first failure logged.
  jest.retryTimes(1, { logErrorsBeforeRetry: true });
  it('shares a contended CPU in proportion to cpuLimit', async () => {
    // Both runners spin on the same CPU; over a window in which both spin, the host reads the CPU time each got.
    const mark = token();
    const spin =
      "cpu=$(awk '/Cpus_allowed_list/ {split($2, a, /[-,]/); print a[1]}' /proc/self/status); " +
      `exec taskset -c "$cpu" sh -c 'while :; do :; done' spin-${mark}`;
    const spinning = await Promise.all(
      [LIGHT, HEAVY].map((jobId) =>
        h.backend.exec({ jobId, command: ['bash', '-c', spin], privileged: false, tty: false }),
      ),
    );
    const outputs = spinning.map((execution) => Promise.all([collect(execution.stdout), collect(execution.stderr)]));
    try {
      const pids = await eventually(
        () => {
          const found = [LIGHT, HEAVY].map((jobId) => spinnerOf(jobId, `spin-${mark}`));
          return found.every((pid) => pid !== undefined) ? (found as number[]) : false;
        },
        { timeoutMs: 15_000, intervalMs: 50 },
      );
      const before = pids.map(cpuTicks);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const [light, heavy] = pids.map((pid, i) => cpuTicks(pid) - (before[i] ?? 0));
      expect(heavy).toBeGreaterThan(0);
      // 20 against 2000 shares: about 1:100 while both spin; contention from the rest of the machine blurs it.
      expect((light ?? 1) / (heavy ?? 1)).toBeLessThan(0.3);
    } finally {
      for (const execution of spinning) execution.kill();
      await Promise.all(outputs);
    }
    for (const execution of spinning) expect(await execution.exited).toEqual({ exitCode: 137 });
  });
});

describe('the process limit', () => {
  it('contains a fork bomb: it ends, leaves nothing behind, and the runner still works', async () => {
    const bomb = await bash(h.backend, PLAIN, ':(){ :|:& };:');
    expect(typeof bomb.exitCode).toBe('number');
    const id = await allocationId(PLAIN);
    await eventually(() => expect(processesOfAllocation(id)).toEqual([]), { timeoutMs: 5000 });
    expect(await bash(h.backend, PLAIN, 'echo alive')).toEqual({ stdout: 'alive\n', stderr: '', exitCode: 0 });
  }, 30000);

  it('holds a running fork bomb at the pids limit until the execution is killed', async () => {
    const id = await allocationId(PLAIN);
    const execution = await h.backend.exec({
      jobId: PLAIN,
      command: ['bash', '-c', ':(){ :|:& };:; exec sleep 600'],
      privileged: false,
      tty: false,
    });
    const output = Promise.all([collect(execution.stdout), collect(execution.stderr)]);
    let peak = 0;
    await eventually(
      () => {
        peak = Math.max(peak, processesOfAllocation(id).length);
        return peak >= 400;
      },
      { timeoutMs: 10000, intervalMs: 20 },
    );
    for (let sample = 0; sample < 10; sample++) peak = Math.max(peak, processesOfAllocation(id).length);
    expect(peak).toBeLessThanOrEqual(512);
    execution.kill();
    expect(await execution.exited).toEqual({ exitCode: 137 });
    await output;
    await eventually(() => expect(processesOfAllocation(id)).toEqual([]), { timeoutMs: 5000 });
    expect(await bash(h.backend, PLAIN, 'echo alive')).toEqual({ stdout: 'alive\n', stderr: '', exitCode: 0 });
  }, 30000);
});

describe('the processes of an execution', () => {
  it('are all gone when it ends, background ones included', async () => {
    const mark = token();
    const result = await bash(h.backend, PLAIN, `sleep ${mark} & echo started`);
    expect(result.stdout).toBe('started\n');
    expect(processesRunning('sleep', mark)).toEqual([]);
  });

  it('are all killed by kill(), which ends the execution with 137', async () => {
    const [first, second] = [token(), token()];
    const execution = await h.backend.exec({
      jobId: PLAIN,
      command: ['bash', '-c', `sleep ${first} & sleep ${second}`],
      privileged: false,
      tty: false,
    });
    const output = Promise.all([collect(execution.stdout), collect(execution.stderr)]);
    await eventually(() =>
      expect(processesRunning('sleep', first).length + processesRunning('sleep', second).length).toBe(2),
    );
    execution.kill();
    execution.kill();
    expect(await execution.exited).toEqual({ exitCode: 137 });
    await output;
    expect([...processesRunning('sleep', first), ...processesRunning('sleep', second)]).toEqual([]);
  });

  it('are all killed when the request signal aborts, with a tty too', async () => {
    const mark = token();
    const controller = new AbortController();
    const execution = await h.backend.exec({
      jobId: PLAIN,
      command: ['bash', '-c', `sleep ${mark}`],
      privileged: true,
      tty: true,
      signal: controller.signal,
    });
    const output = collect(execution.stdout);
    await eventually(() => expect(processesRunning('sleep', mark)).toHaveLength(1));
    controller.abort();
    expect(await execution.exited).toEqual({ exitCode: 137 });
    await output;
    expect(processesRunning('sleep', mark)).toEqual([]);
  });
});
