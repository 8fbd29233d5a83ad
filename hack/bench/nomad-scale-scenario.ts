/**
 * The controller at scale, on the Nomad backend against the Nomad API test server (mock runtime):
 *
 * 1. a first service warms one idle runner per environment (`environments` of them) and claims one more each; the
 *    live heap of this process is read (the baseline) and the service stops;
 * 2. the state is grown to `runners` idle runners as a previous controller would have left it (`nomad-seed.ts`);
 * 3. recovery: a new service starts; timed until it listens, until a claim succeeds, and until a runner claimed
 *    before the restart is still served (DELETE answers 204, not 410); the list calls it made to Nomad are counted
 *    (jobs, allocations, variables) and all its requests until then. Targets: <= 2 s and <= 5 list calls. The
 *    floor: fetching and parsing those three lists once, straight from the server;
 * 4. memory: the live heap with every runner idle, minus the baseline, per added idle runner; target <= 4 KB. Full
 *    runs keep the test server in a child process, so this heap is the controller's alone.
 */
import { scenarioRow, type ScenarioRow } from './bench-report';
import { elapsedMs } from './bench-stats';
import { untilServed } from './api-client';
import { liveHeapBytes } from './heap';
import { startNomadServer, type NomadServerHandle } from './nomad-server';
import { seedRunners, type SeedTemplate } from './nomad-seed';
import { bySize, type Scenario, type ScenarioContext } from './scenario';
import { startServiceUnderTest, waitForFullPools, type ServiceUnderTest } from './service-under-test';

const SIZES = {
  full: { runners: 10_000, environments: 40, timeoutMs: 300_000 },
  smoke: { runners: 6, environments: 2, timeoutMs: 30_000 },
};

/** Operations of the Nomad API that list (each one call, whatever it returns). */
const LIST_OPERATIONS = ['listJobs', 'listAllocations', 'listVariables', 'listJobAllocations'];

const ENVIRONMENT = { image: 'debian:12', cpuLimit: 20, memoryLimit: 256 };

/** The Nomad scale scenario. */
export const nomadScaleScenario: Scenario = {
  name: 'nomad-scale',
  title: 'restart recovery and memory per idle runner with 10,000 runners on the Nomad test server',
  async run(context): Promise<ScenarioRow[]> {
    const nomad = await startNomadServer(context.nomadServer);
    try {
      return await measureAtScale(context, nomad);
    } finally {
      await nomad.close();
    }
  },
};

async function measureAtScale(context: ScenarioContext, nomad: NomadServerHandle): Promise<ScenarioRow[]> {
  const size = bySize(context, SIZES);
  const ids = Array.from({ length: size.environments }, (_, n) => n + 1);
  const poolSize = Math.ceil(size.runners / size.environments);
  const total = poolSize * size.environments;
  let sut: ServiceUnderTest = await startServiceUnderTest({ nomadUrl: nomad.url });
  try {
    for (const id of ids) await sut.client.putEnvironment(id, { ...ENVIRONMENT, prewarmingPoolSize: 1 });
    await waitForFullPools(sut.client, ids, size.timeoutMs);
    const claimed: string[] = [];
    for (const id of ids) claimed.push(await sut.client.claimOrThrow(id));
    await waitForFullPools(sut.client, ids, size.timeoutMs);
    const templates = await seedTemplates(sut, ids, poolSize);
    const baseline = await liveHeapBytes();
    await sut.stop();
    context.log(`seeding ${total} idle runners in ${size.environments} environments`);
    const seedStart = process.hrtime.bigint();
    await seedRunners(nomad.url, templates, size.timeoutMs);
    context.log(`seeded in ${(elapsedMs(seedStart) / 1000).toFixed(1)} s; restarting the service`);
    const rawListMs = await nomad.rawListMs();
    const counts = await nomad.requestCounts();
    const start = process.hrtime.bigint();
    sut = await startServiceUnderTest({ dir: sut.dir, token: sut.token, nomadUrl: nomad.url });
    const listeningMs = elapsedMs(start);
    const client = sut.client;
    const fresh = await untilServed(() => client.claimOrThrow(1));
    const claimMs = elapsedMs(start);
    await untilServed(() => client.release(claimed[0] ?? ''));
    const keptMs = elapsedMs(start);
    const after = await nomad.requestCounts();
    const listCalls = callsSince(counts, after, LIST_OPERATIONS);
    const allCalls = callsSince(counts, after, Object.keys(after));
    await client.release(fresh);
    await waitForFullPools(client, ids, size.timeoutMs);
    const heapPerRunner = ((await liveHeapBytes()) - baseline) / (total - size.environments);
    // A second restart: this time the service that stopped knew every runner, so its local seed of the Variables
    // is current (the first restart found 10,000 runners its predecessor never saw).
    await sut.stop();
    const beforeWarm = await nomad.requestCounts();
    const warmStart = process.hrtime.bigint();
    sut = await startServiceUnderTest({ dir: sut.dir, token: sut.token, nomadUrl: nomad.url });
    const warmClient = sut.client;
    const warmFresh = await untilServed(() => warmClient.claimOrThrow(1));
    const warmClaimMs = elapsedMs(warmStart);
    const warmCalls = callsSince(beforeWarm, await nomad.requestCounts(), Object.keys(await nomad.requestCounts()));
    await warmClient.release(warmFresh);
    const name = `${total} idle runners on the Nomad test server`;
    return [
      scenarioRow(`${name}: restart with a current local seed, until a claim succeeds`, 'time', warmClaimMs, 'ms', {
        floor: rawListMs,
        target: { kind: 'max', value: 2000 },
      }),
      scenarioRow(`${name}: restart with a current local seed, Nomad requests`, 'count', warmCalls, 'requests'),
      scenarioRow(`floor: list jobs + allocations + variables (${total} runners)`, 'time', rawListMs, 'ms'),
      scenarioRow(`${name}: restart until listening`, 'time', listeningMs, 'ms', { floor: rawListMs }),
      scenarioRow(`${name}: restart until a claim succeeds`, 'time', claimMs, 'ms', {
        floor: rawListMs,
        target: { kind: 'max', value: 2000 },
      }),
      scenarioRow(`${name}: restart until an old claim is served`, 'time', keptMs, 'ms', { floor: rawListMs }),
      scenarioRow(`${name}: restart list calls`, 'count', listCalls, 'calls', { target: { kind: 'max', value: 5 } }),
      scenarioRow(`${name}: restart Nomad requests, all kinds`, 'count', allCalls, 'requests'),
      scenarioRow(`${name}: controller heap`, 'per idle runner', heapPerRunner, 'bytes', {
        target: { kind: 'max', value: 4096 },
      }),
    ];
  } finally {
    await sut.destroy();
  }
}

/** One idle runner per environment (its job and revision) from the running service, to clone. */
async function seedTemplates(sut: ServiceUnderTest, ids: readonly number[], poolSize: number): Promise<SeedTemplate[]> {
  const runners = await sut.service.store.list('Runner');
  return Promise.all(
    ids.map(async (environmentId) => {
      const idle = runners.find((r) => r.spec.environmentId === environmentId && r.spec.claim === undefined);
      const job = idle && (await sut.service.backend.readJob(idle.metadata.name));
      if (!idle || !job) throw new Error(`no idle runner of environment ${environmentId} to clone`);
      const environmentName = `environment-${environmentId}`;
      return { environmentId, environmentName, job, templateRevision: idle.spec.templateRevision, poolSize };
    }),
  );
}

function callsSince(
  before: Record<string, number>,
  after: Record<string, number>,
  operations: readonly string[],
): number {
  return operations.reduce((sum, operation) => sum + (after[operation] ?? 0) - (before[operation] ?? 0), 0);
}
