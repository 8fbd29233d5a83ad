/**
 * The pool's speed on the embedded backend:
 *
 * - refill: a burst of `burst` concurrent claims on a full pool, then the time from the burst's start until the pool
 *   is full again (per GET /statistics, polled every 5 ms); repeated `rounds` times after a warm-up round. Target
 *   <= 1 s. Claims of a burst that find no idle runner although the pool was full (NOMAD_OVERLOAD) are counted;
 *   target 0.
 * - warm-up: PUT an environment with a pool of `poolSize` and time until every runner is idle and claimable.
 */
import { scenarioRow, type ScenarioRow } from './bench-report';
import { elapsedMs, percentile } from './bench-stats';
import { bySize, type Scenario } from './scenario';
import { startServiceUnderTest, waitForFullPools } from './service-under-test';

const REFILL_SIZES = {
  full: { poolSize: 64, burst: 50, rounds: 5, warmupRounds: 1 },
  smoke: { poolSize: 3, burst: 2, rounds: 1, warmupRounds: 0 },
};

const WARM_SIZES = {
  full: { poolSizes: [10, 100] },
  smoke: { poolSizes: [2] },
};

/** The pool refill scenario. */
export const poolRefillScenario: Scenario = {
  name: 'refill',
  title: 'pool refill after a burst of claims',
  async run(context): Promise<ScenarioRow[]> {
    const size = bySize(context, REFILL_SIZES);
    const sut = await startServiceUnderTest({ connections: size.burst });
    try {
      const { client } = sut;
      await client.putEnvironment(1, { image: 'host', prewarmingPoolSize: size.poolSize });
      await waitForFullPools(client, [1], 60_000);
      const times: number[] = [];
      let overloads = 0;
      for (let round = -size.warmupRounds; round < size.rounds; round++) {
        const label = round < 0 ? 'warm-up burst' : `refill round ${round + 1}/${size.rounds}`;
        context.log(`${label}: ${size.burst} concurrent claims`);
        const start = process.hrtime.bigint();
        const results = await Promise.all(Array.from({ length: size.burst }, () => client.claim(1)));
        await waitForFullPools(client, [1], 60_000);
        const claimed = results.flatMap((result) => (result.kind === 'claimed' ? [result.runnerId] : []));
        if (round >= 0) {
          times.push(elapsedMs(start));
          overloads += results.length - claimed.length;
        }
        await Promise.all(claimed.map((runnerId) => client.release(runnerId)));
        await waitForFullPools(client, [1], 60_000);
      }
      const name = `refill after ${size.burst} claims, pool ${size.poolSize}, ${size.rounds} rounds`;
      return [
        scenarioRow(name, 'p50', percentile(times, 50), 'ms', { target: { kind: 'max', value: 1000 } }),
        scenarioRow(name, 'max', Math.max(...times), 'ms', { target: { kind: 'max', value: 1000 } }),
        scenarioRow(name, 'NOMAD_OVERLOAD in bursts', overloads, 'claims', { target: { kind: 'max', value: 0 } }),
      ];
    } finally {
      await sut.destroy();
    }
  },
};

/** The pool warm-up scenario. */
export const warmPoolScenario: Scenario = {
  name: 'warm',
  title: 'time to warm a new pool',
  async run(context): Promise<ScenarioRow[]> {
    const size = bySize(context, WARM_SIZES);
    const rows: ScenarioRow[] = [];
    const sut = await startServiceUnderTest();
    try {
      for (const [index, poolSize] of size.poolSizes.entries()) {
        context.log(`warming a pool of ${poolSize}`);
        const start = process.hrtime.bigint();
        await sut.client.putEnvironment(index + 1, { image: 'host', prewarmingPoolSize: poolSize });
        await waitForFullPools(sut.client, [index + 1], 120_000);
        const ms = elapsedMs(start);
        const name = `warm a pool of ${poolSize} (PUT until all idle)`;
        rows.push(scenarioRow(name, 'time', ms, 'ms'), scenarioRow(name, 'per runner', ms / poolSize, 'ms'));
      }
      return rows;
    } finally {
      await sut.destroy();
    }
  },
};
