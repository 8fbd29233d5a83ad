/**
 * Throughput of the two ways CodeOcean uses runners, with `clients` concurrent clients looping for `durationMs`:
 *
 * - fresh-runner flow: claim, PATCH a file, execute `cat` of it, read the stream to the end, DELETE the runner;
 *   target >= 6,000 flows/min. A claim that finds no idle runner (NOMAD_OVERLOAD) is counted and retried.
 * - CodeOcean flow: each client keeps one runner and loops PATCH a file, execute, stream; target >= 12,000 runs/min.
 *
 * The floor of both is the machine's capacity for bare sandboxes (`true`) with as many concurrent starters; the
 * ratio is floor / figure, so it says how many bare sandboxes the machine runs in the time of one flow or run.
 *
 * Every execution's output is checked against the uploaded content, so a broken flow cannot count as a fast one.
 */
import { scenarioRow, type ScenarioRow } from './bench-report';
import { delay, percentiles } from './bench-stats';
import type { ApiClient } from './api-client';
import { closedLoop } from './open-loop';
import { bySize, type Scenario, type ScenarioContext } from './scenario';
import { startServiceUnderTest, waitForFullPools, type ServiceUnderTest } from './service-under-test';

const SIZES = {
  full: { clients: 8, durationMs: 20_000, warmupMs: 2_000, poolSize: 32 },
  smoke: { clients: 2, durationMs: 300, warmupMs: 0, poolSize: 2 },
};

const ENVIRONMENT = 1;

/** The capacity floor's own row: bare sandboxes per minute with as many concurrent starters as clients. */
function sandboxRateRow(clients: number, rate: number): ScenarioRow {
  return scenarioRow(`floor: bwrap \`true\`, ${clients} concurrent`, 'throughput', rate, 'sandboxes/min');
}

/** Uploads a file and runs `cat` of it; throws unless the output is the content. */
async function patchAndRun(client: ApiClient, runnerId: string, n: number): Promise<void> {
  const content = `print("run ${n}")`;
  await client.patchFiles(runnerId, [{ path: 'main.py', content }]);
  const result = await client.execute(runnerId, 'cat main.py');
  if (result.exitCode !== 0 || !result.stdout.includes(content)) {
    throw new Error(`unexpected execution result ${JSON.stringify(result)}`);
  }
}

async function withService<T>(
  context: ScenarioContext,
  poolSize: number,
  body: (sut: ServiceUnderTest) => Promise<T>,
): Promise<T> {
  const size = bySize(context, SIZES);
  const sut = await startServiceUnderTest({ connections: size.clients * 2 });
  try {
    await sut.client.putEnvironment(ENVIRONMENT, { image: 'host', prewarmingPoolSize: poolSize });
    await waitForFullPools(sut.client, [ENVIRONMENT], 60_000);
    return await body(sut);
  } finally {
    await sut.destroy();
  }
}

/** The fresh-runner flow scenario. */
export const freshRunnerFlowScenario: Scenario = {
  name: 'fresh-flow',
  title: 'fresh-runner flows per minute (claim, PATCH, execute, stream, DELETE)',
  async run(context): Promise<ScenarioRow[]> {
    const size = bySize(context, SIZES);
    const floor = await context.floors.sandboxRate(size.clients);
    return withService(context, size.poolSize, async ({ client }) => {
      let overloads = 0;
      const flow = async (_client: number, n: number): Promise<void> => {
        let claim = await client.claim(ENVIRONMENT, 60);
        while (claim.kind === 'overload') {
          overloads += 1;
          await delay(5);
          claim = await client.claim(ENVIRONMENT, 60);
        }
        await patchAndRun(client, claim.runnerId, n);
        await client.release(claim.runnerId);
      };
      if (size.warmupMs > 0) await closedLoop(size.clients, size.warmupMs, flow);
      overloads = 0;
      context.log(`${size.clients} clients run fresh-runner flows for ${size.durationMs} ms`);
      const run = await closedLoop(size.clients, size.durationMs, flow);
      if (run.errors.length > 0) throw run.errors[0];
      const perMinute = (run.completed / run.elapsedMs) * 60_000;
      const latency = percentiles(run.latencies);
      const name = `fresh-runner flow, ${size.clients} clients, pool ${size.poolSize}`;
      return [
        sandboxRateRow(size.clients, floor),
        scenarioRow(name, 'throughput', perMinute, 'flows/min', {
          floor,
          higherIsBetter: true,
          target: { kind: 'min', value: 6000 },
        }),
        scenarioRow(name, 'flow p50', latency.p50, 'ms'),
        scenarioRow(name, 'flow p99', latency.p99, 'ms'),
        scenarioRow(name, 'NOMAD_OVERLOAD (retried)', overloads, 'claims'),
      ];
    });
  },
};

/** The CodeOcean flow scenario. */
export const codeOceanFlowScenario: Scenario = {
  name: 'codeocean-flow',
  title: 'CodeOcean runs per minute (one runner per client: PATCH, execute, stream)',
  async run(context): Promise<ScenarioRow[]> {
    const size = bySize(context, SIZES);
    const floor = await context.floors.sandboxRate(size.clients);
    return withService(context, size.clients, async ({ client }) => {
      const runners: string[] = [];
      for (let n = 0; n < size.clients; n++) runners.push(await client.claimOrThrow(ENVIRONMENT, 120));
      const run = (index: number, n: number): Promise<void> => patchAndRun(client, runners[index] ?? '', n);
      if (size.warmupMs > 0) await closedLoop(size.clients, size.warmupMs, run);
      context.log(`${size.clients} clients run PATCH + execute on their runner for ${size.durationMs} ms`);
      const result = await closedLoop(size.clients, size.durationMs, run);
      if (result.errors.length > 0) throw result.errors[0];
      const perMinute = (result.completed / result.elapsedMs) * 60_000;
      const latency = percentiles(result.latencies);
      const name = `CodeOcean flow, ${size.clients} clients on their own runner`;
      return [
        sandboxRateRow(size.clients, floor),
        scenarioRow(name, 'throughput', perMinute, 'runs/min', {
          floor,
          higherIsBetter: true,
          target: { kind: 'min', value: 12000 },
        }),
        scenarioRow(name, 'run p50', latency.p50, 'ms'),
        scenarioRow(name, 'run p99', latency.p99, 'ms'),
      ];
    });
  },
};
