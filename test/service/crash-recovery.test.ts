/**
 * The claim guarantee across crashes: `poseidon serve` runs as a child process while clients claim runners and write
 * files into them; it is killed with SIGKILL (and, in a second round, stopped with SIGTERM) at a random instant of
 * that traffic. The service started again on the same state loses no claim a client was answered, hands no claimed
 * runner out again, keeps the files, and leaves the pool at exactly its size.
 */
import { randomInt } from 'node:crypto';
import { eventually } from '../support/eventually';
import { expectNoLeaks, handleCounts, type HandleCounts } from './support/leak-check';
import { spawnServe, type ChildService } from './support/child-service';
import { ServiceApi } from './support/service-api';
import { newStateDir, removeState, startTestService } from './support/service-harness';

jest.setTimeout(180_000);

const POOL = 5;
const ENVIRONMENT = 51;
const dir = newStateDir();
let baseline: HandleCounts;

beforeAll(() => {
  // Taken inside a hook, like the check in afterAll, so both count the hook's own timeout timer.
  baseline = handleCounts();
});
let child: ChildService | undefined;

afterAll(async () => {
  await child?.kill('SIGKILL');
  await removeState(dir);
  await expectNoLeaks(baseline);
});

/** What clients were answered: claimed runner ids and the content of the file each one wrote. */
interface Granted {
  readonly runners: string[];
  readonly files: Map<string, string>;
}

async function idleRunners(api: ServiceApi): Promise<number> {
  const response = await api.kit.api('GET', '/statistics/execution-environments');
  return response.json<Record<string, { idleRunners: number }>>()[String(ENVIRONMENT)]?.idleRunners ?? 0;
}

/** One client: claims, writes a file into the runner, repeats, until the service goes away or `until` says so. */
async function claimLoop(api: ServiceApi, granted: Granted, until: () => boolean): Promise<void> {
  while (!until()) {
    try {
      const response = await api.claimResponse(ENVIRONMENT, 0);
      if (response.status !== 200) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const runnerId = response.json<{ runnerId: string }>().runnerId;
      granted.runners.push(runnerId);
      const content = `owned by claim ${granted.runners.length}`;
      const body = { copy: [{ path: 'owner.txt', content: Buffer.from(content).toString('base64') }] };
      const write = await api.kit.api('PATCH', `/runners/${runnerId}/files`, body);
      if (write.status === 204) granted.files.set(runnerId, content);
    } catch {
      return; // the service is gone
    }
  }
}

/** Runs claim traffic against `service` and ends it with `signal` after a random delay. */
async function crashDuringClaims(service: ChildService, signal: NodeJS.Signals, granted: Granted) {
  const api = new ServiceApi(service.port);
  let stopped = false;
  const loops = [1, 2, 3].map(() => claimLoop(api, granted, () => stopped));
  // Some claims must be answered before the end comes, at a random instant of the traffic that follows.
  const answered = granted.runners.length;
  await eventually(() => granted.runners.length > answered, { timeoutMs: 20_000, intervalMs: 2 });
  await new Promise((resolve) => setTimeout(resolve, randomInt(0, 500)));
  const exit = await service.kill(signal);
  stopped = true;
  await Promise.all(loops);
  api.close();
  return exit;
}

describe('crash recovery of `poseidon serve`', () => {
  it('loses no answered claim and hands no runner out twice across SIGKILL and SIGTERM', async () => {
    const granted: Granted = { runners: [], files: new Map() };
    child = await spawnServe(dir);
    const setup = new ServiceApi(child.port);
    expect(await setup.putEnvironment(ENVIRONMENT, { prewarmingPoolSize: POOL })).toBe(201);
    await eventually(async () => expect(await idleRunners(setup)).toBe(POOL), { timeoutMs: 20_000, intervalMs: 25 });
    setup.close();
    expect(await crashDuringClaims(child, 'SIGKILL', granted)).toBe('SIGKILL');
    const afterKill = granted.runners.length;

    child = await spawnServe(dir);
    expect(await crashDuringClaims(child, 'SIGTERM', granted)).toBe(0);
    expect(granted.runners.length).toBeGreaterThan(afterKill);
    expect(child.logs.some((entry) => entry.msg === 'stopped')).toBe(true);
    child = undefined;
    expect(new Set(granted.runners).size).toBe(granted.runners.length);

    const final = await startTestService({ dir });
    try {
      const pool = await eventually(() => final.world.settledPool(ENVIRONMENT, POOL), {
        timeoutMs: 20_000,
        intervalMs: 25,
      });
      const claimed = new Set(pool.runners.filter((r) => r.claimed).map((r) => r.id));
      for (const runnerId of granted.runners) expect(claimed.has(runnerId)).toBe(true);
      for (const [runnerId, content] of granted.files) {
        expect((await final.api.readFile(runnerId, 'owner.txt')).text).toBe(content);
      }
      for (let i = 0; i < POOL; i++) {
        expect(granted.runners).not.toContain(await final.api.claim(ENVIRONMENT));
      }
      await eventually(() => final.world.settledPool(ENVIRONMENT, POOL), { timeoutMs: 20_000, intervalMs: 25 });
    } finally {
      await final.stop();
    }
  });
});
