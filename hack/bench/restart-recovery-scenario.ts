/**
 * Restart recovery on the embedded backend: claim runners and upload a file to each, stop the service, start a new
 * one on the same state directory, and time (a) until it listens and (b) until every claimed runner runs `cat` of
 * its file with the right output and a new claim succeeds. Repeated `rounds` times on the same directory.
 */
import { scenarioRow, type ScenarioRow } from './bench-report';
import { elapsedMs, percentile } from './bench-stats';
import { untilServed, type ApiClient } from './api-client';
import { bySize, type Scenario } from './scenario';
import { startServiceUnderTest, waitForFullPools, type ServiceUnderTest } from './service-under-test';

const SIZES = {
  full: { claimed: 8, poolSize: 8, rounds: 3 },
  smoke: { claimed: 1, poolSize: 1, rounds: 1 },
};

async function checkRunner(client: ApiClient, runnerId: string): Promise<void> {
  const result = await client.execute(runnerId, 'cat kept.txt');
  if (result.stdout.trim() !== runnerId) throw new Error(`runner ${runnerId} lost its file: ${result.stdout}`);
}

/** The restart recovery scenario. */
export const restartRecoveryScenario: Scenario = {
  name: 'restart',
  title: 'restart recovery: claimed runners usable again',
  async run(context): Promise<ScenarioRow[]> {
    const size = bySize(context, SIZES);
    let sut: ServiceUnderTest = await startServiceUnderTest();
    const listening: number[] = [];
    const usable: number[] = [];
    try {
      await sut.client.putEnvironment(1, { image: 'host', prewarmingPoolSize: size.poolSize });
      await waitForFullPools(sut.client, [1], 60_000);
      const claimed: string[] = [];
      for (let n = 0; n < size.claimed; n++) {
        const runnerId = await sut.client.claimOrThrow(1);
        await sut.client.patchFiles(runnerId, [{ path: 'kept.txt', content: runnerId }]);
        claimed.push(runnerId);
      }
      await waitForFullPools(sut.client, [1], 60_000);
      for (let round = 0; round < size.rounds; round++) {
        context.log(`restart ${round + 1}/${size.rounds} with ${size.claimed} claimed runners`);
        await sut.stop();
        const start = process.hrtime.bigint();
        sut = await startServiceUnderTest({ dir: sut.dir, token: sut.token });
        listening.push(elapsedMs(start));
        const { client } = sut;
        await Promise.all(claimed.map((runnerId) => untilServed(() => checkRunner(client, runnerId))));
        const fresh = await untilServed(() => client.claimOrThrow(1));
        usable.push(elapsedMs(start));
        await client.release(fresh);
        await waitForFullPools(client, [1], 60_000);
      }
      const name = `restart with ${size.claimed} claimed runners`;
      return [
        scenarioRow(`${name}: until listening`, 'p50', percentile(listening, 50), 'ms'),
        scenarioRow(`${name}: until all usable + a new claim`, 'p50', percentile(usable, 50), 'ms'),
        scenarioRow(`${name}: until all usable + a new claim`, 'max', Math.max(...usable), 'ms'),
      ];
    } finally {
      await sut.destroy();
    }
  },
};
