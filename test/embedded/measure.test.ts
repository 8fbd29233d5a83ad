/**
 * Figures for the README and reports, not assertions: run with `EMBEDDED_MEASURE=1 npx jest test/embedded/measure`.
 * One `true` execution (p50) against a plain `spawn('true')` on the same machine, register-to-running latency (without
 * and with network access), and the time to register 1,000 jobs.
 */
import { spawn } from 'node:child_process';
import type { BackendEvent } from '../../reconcilers/ports';
import { run, runnerJob, startHarness, type Harness } from './embedded-harness';

const measure = process.env.EMBEDDED_MEASURE ? describe : describe.skip;

function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await action();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const spawnTrue = (): Promise<void> =>
  new Promise((resolve) => spawn('true', { stdio: 'ignore' }).once('close', () => resolve()));

measure('embedded backend figures', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.destroy();
  });

  /** Milliseconds from register to the allocation's `running` event. */
  async function registerToRunning(jobId: string, networkAccess: boolean): Promise<number> {
    return timed(async () => {
      const { index } = await h.backend.listJobs('');
      const controller = new AbortController();
      const registered = h.backend.registerJob(runnerJob(jobId, { networkAccess }));
      for await (const batch of h.backend.events(index, controller.signal)) {
        const running = (event: BackendEvent): boolean =>
          event.topic === 'Allocation' &&
          event.allocation.jobId === jobId &&
          event.allocation.clientStatus === 'running';
        if (batch.some(running)) break;
      }
      await registered;
    });
  }

  it('measures', async () => {
    const id = '5-00000000-0000-4000-8000-000000000001';
    const networked = '5-00000000-0000-4000-8000-000000000002';
    const latencies: number[] = [];
    const networkLatencies: number[] = [];
    for (let n = 0; n < 20; n++) {
      latencies.push(await registerToRunning(`5-00000000-0000-4000-8000-${String(100 + n).padStart(12, '0')}`, false));
      networkLatencies.push(
        await registerToRunning(`5-00000000-0000-4000-8000-${String(200 + n).padStart(12, '0')}`, true),
      );
    }
    await h.backend.registerJob(runnerJob(id));
    await h.backend.registerJob(runnerJob(networked, { networkAccess: true }));
    await h.backend.settled();
    const plain: number[] = [];
    const sandboxed: number[] = [];
    const tty: number[] = [];
    const ttyStderr: number[] = [];
    const network: number[] = [];
    for (let n = 0; n < 30; n++) {
      plain.push(await timed(spawnTrue));
      sandboxed.push(await timed(() => run(h.backend, { jobId: id, command: ['true'] })));
      network.push(await timed(() => run(h.backend, { jobId: networked, command: ['true'] })));
      tty.push(await timed(() => run(h.backend, { jobId: id, command: ['true'], tty: true })));
      ttyStderr.push(
        await timed(() => run(h.backend, { jobId: id, command: ['true'], tty: true, separateStderr: true })),
      );
    }
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 1000 }, (_, n) =>
        h.backend.registerJob({ id: `template-${10000 + n}`, settings: runnerJob('x').settings, meta: {} }),
      ),
    );
    const registered = Date.now() - started;
    await h.backend.settled();
    const allRunning = Date.now() - started;
    const deregisterStart = Date.now();
    await Promise.all(Array.from({ length: 1000 }, (_, n) => h.backend.deregisterJob(`template-${10000 + n}`)));
    const deregistered = Date.now() - deregisterStart;
    console.log(
      JSON.stringify(
        {
          spawnTrueP50Ms: p50(plain),
          execTrueP50Ms: p50(sandboxed),
          execTrueTtyP50Ms: p50(tty),
          execTrueTtySeparateStderrP50Ms: p50(ttyStderr),
          execTrueNetworkP50Ms: p50(network),
          ratio: p50(sandboxed) / p50(plain),
          registerToRunningP50Ms: p50(latencies),
          registerToRunningNetworkP50Ms: p50(networkLatencies),
          register1000Ms: registered,
          register1000AllRunningMs: allRunning,
          deregister1000Ms: deregistered,
        },
        null,
        2,
      ),
    );
  }, 300000);
});
