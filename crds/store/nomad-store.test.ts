import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createNomadBackend, type NomadBackend } from '../../controllers/backends/nomad/nomad-backend';
import { startNomadTestServer, type NomadTestServer } from '../../hack/nomad-test-server/nomad-test-server';
import { environment, runner, runnerName } from '../../test/crds/builders';
import { describeStoreContract } from '../../test/crds/store-contract';
import { eventually } from '../../test/support/eventually';
import { NomadStore, type NomadVariablesPort } from './nomad-store';
import type { WatchEvent } from './store';

interface Rig {
  server: NomadTestServer;
  backend: NomadBackend;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const server = await startNomadTestServer({ runtime: 'mock', validateResponses: true });
  const backend = createNomadBackend({ address: server.url, logger: pino({ level: 'silent' }) });
  return { server, backend, close: async () => (await backend.stop(), await server.close()) };
}

describeStoreContract('NomadStore', async (options) => {
  const { server, backend, close } = await rig();
  const store = await NomadStore.open({ variables: backend.api, ...options, watchWaitMs: 200 });
  const closeStore = store.close.bind(store);
  store.close = async () => {
    await closeStore();
    expect(server.violations).toEqual([]);
    await close();
  };
  return store;
});

describe('NomadStore on Nomad Variables', () => {
  let setup: Rig;
  const stores: NomadStore[] = [];
  beforeEach(async () => {
    setup = await rig();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await setup.close();
  });
  const open = async () => {
    const store = await NomadStore.open({ variables: setup.backend.api, watchWaitMs: 200 });
    stores.push(store);
    return store;
  };

  it('keeps each resource in its own variable, with the variable ModifyIndex as resourceVersion', async () => {
    const store = await open();
    const created = await store.create('ExecutionEnvironment', environment('python.3', 3));
    const variable = await setup.backend.api.readVariable('poseidon/environments/python~3');
    expect(created.metadata.resourceVersion).toBe(String(variable?.ModifyIndex));
    expect(JSON.parse(variable?.Items.resource ?? '{}')).toMatchObject({
      kind: 'ExecutionEnvironment',
      spec: { id: 3 },
    });
  });

  it('recovers everything after a restart', async () => {
    const first = await open();
    await first.create('ExecutionEnvironment', environment('java', 1));
    const claimed = await first.create('Runner', runner(runnerName(1, 1), 1));
    await first.update('Runner', {
      ...claimed,
      spec: { ...claimed.spec, claim: { inactivityTimeout: 60, claimedAt: '2024-01-01T00:00:00Z' } },
    });
    const second = await open();
    expect(await second.list('Runner')).toEqual(await first.list('Runner'));
    expect((await second.get('Runner', runnerName(1, 1)))?.spec.claim?.inactivityTimeout).toBe(60);
  });

  it('reads only the variables that changed since its seed file was written, and trusts Nomad over the seed', async () => {
    const seedFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'nomad-seed-')), 'variables.json');
    const first = await NomadStore.open({ variables: setup.backend.api, watchWaitMs: 200, seedFile });
    await first.create('ExecutionEnvironment', environment('java', 1));
    for (let n = 1; n <= 4; n++) await first.create('Runner', runner(runnerName(1, n), 1));
    await first.close();
    // Behind the seed's back: one runner claimed, one deleted.
    const other = await open();
    const changed = (await other.get('Runner', runnerName(1, 2)))!;
    await other.update('Runner', {
      ...changed,
      spec: { ...changed.spec, claim: { inactivityTimeout: 5, claimedAt: '2024-01-01T00:00:00Z' } },
    });
    await other.delete('Runner', runnerName(1, 3));
    let reads = 0;
    const counting: NomadVariablesPort = {
      listVariables: (prefix, options) => setup.backend.api.listVariables(prefix, options),
      readVariable: (variablePath) => (reads++, setup.backend.api.readVariable(variablePath)),
      writeVariable: (variablePath, items, cas) => setup.backend.api.writeVariable(variablePath, items, cas),
      deleteVariable: (variablePath, cas) => setup.backend.api.deleteVariable(variablePath, cas),
    };
    const second = await NomadStore.open({ variables: counting, watchWaitMs: 200, seedFile });
    stores.push(second);
    expect(reads).toBe(1);
    expect(await second.list('Runner')).toEqual(await other.list('Runner'));
    expect(await second.list('ExecutionEnvironment')).toEqual(await other.list('ExecutionEnvironment'));
    // A seed whose entry carries another index (another cluster, a wiped server) is read again, never trusted.
    const seed = JSON.parse(readFileSync(seedFile, 'utf8')) as { entries: { path: string; index: number }[] };
    for (const entry of seed.entries) entry.index += 1000;
    writeFileSync(seedFile, JSON.stringify(seed));
    reads = 0;
    const third = await NomadStore.open({ variables: counting, watchWaitMs: 200, seedFile });
    stores.push(third);
    expect(reads).toBe(4);
    expect(await third.list('Runner')).toEqual(await other.list('Runner'));
    rmSync(path.dirname(seedFile), { recursive: true, force: true });
  });

  it('lets exactly one of two controllers claim a runner, and shows the winner to the other', async () => {
    const a = await open();
    const b = await open();
    const idle = await a.create('Runner', runner(runnerName(1, 1), 1));
    await eventually(async () => (await b.get('Runner', idle.metadata.name)) !== undefined);
    const claim = (at: string) => ({
      ...idle,
      spec: { ...idle.spec, claim: { inactivityTimeout: 10, claimedAt: at } },
    });
    const results = await Promise.allSettled([a.update('Runner', claim('A')), b.update('Runner', claim('B'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'Conflict' } });
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<typeof idle>).value;
    await eventually(async () => expect(await a.get('Runner', idle.metadata.name)).toEqual(winner));
    await eventually(async () => expect(await b.get('Runner', idle.metadata.name)).toEqual(winner));
  });

  it("tells watchers about another controller's writes and deletes", async () => {
    const watcher = await open();
    const writer = await open();
    const seen: WatchEvent[] = [];
    watcher.watch((event) => seen.push(event));
    // The watch follows the variable list (level-triggered): it reports states it sees, not every step between.
    const created = await writer.create('Runner', runner(runnerName(2, 1), 2));
    await eventually(() =>
      expect(seen.map((e) => [e.type, e.object.metadata.resourceVersion])).toEqual([
        ['added', created.metadata.resourceVersion],
      ]),
    );
    await writer.delete('Runner', created.metadata.name);
    await eventually(() => expect(seen.map((e) => e.type)).toEqual(['added', 'deleted']));
  });
});
