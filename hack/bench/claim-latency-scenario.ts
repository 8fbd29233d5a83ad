/**
 * Claim latency under steady load: `rate` claims a second for `durationMs` against a pool of `poolSize`, each runner
 * released as soon as it is claimed, so the pool reconciler must refill as fast as runners leave. Figures: claim
 * (POST /runners) p50/p99 against the HTTP keep-alive floor, and how many claims found no idle runner
 * (NOMAD_OVERLOAD). Targets: p99 <= 5 ms and no overloads.
 */
import { scenarioRow, type ScenarioRow } from './bench-report';
import { elapsedMs, percentiles } from './bench-stats';
import { openLoop } from './open-loop';
import { bySize, type Scenario } from './scenario';
import { startServiceUnderTest, waitForFullPools } from './service-under-test';

const SIZES = {
  full: { rate: 100, durationMs: 10_000, poolSize: 64, warmup: 100 },
  smoke: { rate: 50, durationMs: 200, poolSize: 2, warmup: 2 },
};

const ENVIRONMENT = 1;

/** The claim latency scenario. */
export const claimLatencyScenario: Scenario = {
  name: 'claim',
  title: 'claim latency under steady load',
  async run(context): Promise<ScenarioRow[]> {
    const size = bySize(context, SIZES);
    const http = await context.floors.get('http');
    const sut = await startServiceUnderTest();
    try {
      const { client } = sut;
      await client.putEnvironment(ENVIRONMENT, { image: 'host', prewarmingPoolSize: size.poolSize });
      await waitForFullPools(client, [ENVIRONMENT], 60_000);
      const releases: Promise<void>[] = [];
      const claimAndRelease = async (): Promise<{ ms: number; overload: boolean }> => {
        const start = process.hrtime.bigint();
        const result = await client.claim(ENVIRONMENT);
        const ms = elapsedMs(start);
        if (result.kind === 'claimed') releases.push(client.release(result.runnerId));
        return { ms, overload: result.kind === 'overload' };
      };
      for (let n = 0; n < size.warmup; n++) await claimAndRelease();
      await Promise.all(releases.splice(0));
      await waitForFullPools(client, [ENVIRONMENT], 30_000);
      context.log(`claiming ${size.rate}/s for ${size.durationMs} ms with a pool of ${size.poolSize}`);
      const run = await openLoop(size.rate, size.durationMs, claimAndRelease);
      await Promise.all(releases);
      if (run.errors.length > 0) throw run.errors[0];
      const claimed = run.results.filter((r) => !r.overload).map((r) => r.ms);
      const overloads = run.results.length - claimed.length;
      const latency = percentiles(claimed);
      const name = `claim, ${size.rate}/s, pool ${size.poolSize}, released at once`;
      return [
        scenarioRow(name, 'p50', latency.p50, 'ms', { floor: http.p50 }),
        scenarioRow(name, 'p99', latency.p99, 'ms', { floor: http.p99, target: { kind: 'max', value: 5 } }),
        scenarioRow(name, 'NOMAD_OVERLOAD', overloads, 'claims', { target: { kind: 'max', value: 0 } }),
      ];
    } finally {
      await sut.destroy();
    }
  },
};
