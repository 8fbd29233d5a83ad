/**
 * Limits of runners on this machine (cgroup v1 memory, cpu and pids as root): memory blow-ups die with 137, a contended
 * CPU is shared by cpuLimit, fork bombs are contained, and no process of an execution outlives it.
 */
import { randomInt } from 'node:crypto';
import { eventually } from '../support/eventually';
import { bash, collect, runnerJob, startHarness, type Harness } from './embedded-harness';
import { processesOfAllocation, processesRunning } from './processes';

const MEMORY = '8-00000000-0000-4000-8000-0000000000a1';
const PLAIN = '8-00000000-0000-4000-8000-0000000000a2';
const LIGHT = '8-00000000-0000-4000-8000-0000000000a3';
const HEAVY = '8-00000000-0000-4000-8000-0000000000a4';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await Promise.all([
    h.backend.registerJob(runnerJob(MEMORY, { memoryLimit: 50 })),
    h.backend.registerJob(runnerJob(PLAIN)),
    h.backend.registerJob(runnerJob(LIGHT, { cpuLimit: 20 })),
    h.backend.registerJob(runnerJob(HEAVY, { cpuLimit: 2000 })),
  ]);
  await h.backend.settled();
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
  it('shares a contended CPU in proportion to cpuLimit', async () => {
    // Both runners get ready, wait for a line on stdin, then spin on the same CPU for the same wall time; bash's
    // `time` reports the CPU time each one got.
    const spin =
      "cpu=$(awk '/Cpus_allowed_list/ {split($2, a, /[-,]/); print a[1]}' /proc/self/status); echo ready; read -r _; " +
      'TIMEFORMAT=%U; time (timeout 2 taskset -c "$cpu" sh -c "while :; do :; done")';
    const start = async (jobId: string) => {
      const execution = await h.backend.exec({ jobId, command: ['bash', '-c', spin], privileged: false, tty: false });
      const ready = new Promise((resolve) => execution.stdout.once('data', resolve));
      const stderr = collect(execution.stderr);
      execution.stdout.resume();
      return { execution, ready, stderr };
    };
    const runs = await Promise.all([start(LIGHT), start(HEAVY)]);
    await Promise.all(runs.map((run) => run.ready));
    for (const run of runs) run.execution.stdin.end('go\n');
    const [light, heavy] = await Promise.all(runs.map(async (run) => Number((await run.stderr).toString().trim())));
    await Promise.all(runs.map((run) => run.execution.exited));
    expect(heavy).toBeGreaterThan(0.2);
    // 20 against 2000 shares: about 1:100 while both spin; contention from the rest of the machine blurs it.
    expect((light ?? 1) / (heavy ?? 1)).toBeLessThan(0.3);
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
