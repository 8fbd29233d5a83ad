/**
 * A restart of the real service in the middle of CodeOcean's work (poseidon-api.md 6.2): claimed runners keep their
 * files and keep working, their inactivity timer restarts with its full duration, stored (unattached) executions are
 * lost (404), a live execution is told "Error executing the request", statistics stay right, and no runner id is
 * handed out twice.
 */
import { eventually } from '../support/eventually';
import { ContractKit, base64 } from './support/contract-kit';
import { connect, isSocket } from './support/ws-client';
import { liveDescendants } from './support/leaks';
import { startRealService, type RealService } from './support/real-service';

jest.setTimeout(120_000);

let real: RealService | undefined;
let kit: ContractKit | undefined;

afterAll(async () => {
  kit?.client.close();
  await real?.destroy();
  await eventually(() => expect(liveDescendants()).toEqual([]), { timeoutMs: 5000 });
});

interface Stats {
  idleRunners: number;
  usedRunners: number;
}

async function statsOf(client: ContractKit, id: number): Promise<Stats | undefined> {
  const all = (await client.api('GET', '/statistics/execution-environments')).json<Record<string, Stats>>();
  return all[String(id)];
}

it('keeps claimed runners working across a restart and forgets only what lived in memory', async () => {
  real = await startRealService();
  kit = new ContractKit(real.target);
  const environmentId = await kit.createEnvironment({ prewarmingPoolSize: 2 });
  const kept = await kit.claim(environmentId, 0);
  const timed = await kit.claim(environmentId, 4);
  await kit.patch(kept, { copy: [{ path: 'state.txt', content: base64('before restart') }] });
  const stored = await kit.execute(kept, { command: 'echo never attached' });
  const live = await kit.attach(await kit.execute(kept, { command: 'echo ready; sleep 60' }));
  await live.waitFor((message) => message.type === 'stdout');
  await kit.waitForIdle(environmentId, 2);

  kit.client.close();
  real = await real.restart();
  kit = new ContractKit(real.target);
  const restartedAt = Date.now();

  const closed = await live.closed;
  expect(closed.code).toBe(1000);
  expect(live.messages[live.messages.length - 1]).toEqual({ type: 'error', data: 'Error executing the request' });

  const run = await kit.run(kept, { command: 'cat state.txt' });
  expect([run.stdout, run.terminal]).toEqual(['before restart', { type: 'exit', data: 0 }]);
  const attempt = await connect(stored, { token: real.target.token });
  expect(isSocket(attempt) ? 101 : attempt.status).toBe(404);

  // The timer of `timed` restarted with its full 4 s: alive now, gone later (registering an execution is no activity).
  const probe = async (): Promise<number> =>
    (await kit!.api('POST', `/runners/${timed}/execute`, { command: 'true' })).status;
  expect(await probe()).toBe(200);
  expect(Date.now() - restartedAt).toBeLessThan(3000);
  await eventually(async () => (await probe()) === 410, {
    timeoutMs: 15_000,
    intervalMs: 100,
  });

  await eventually(
    async () =>
      expect(await statsOf(kit!, environmentId)).toEqual({
        id: environmentId,
        prewarmingPoolSize: 2,
        idleRunners: 2,
        usedRunners: 1,
      }),
    {
      timeoutMs: 20_000,
      intervalMs: 50,
    },
  );
  const fresh = await Promise.all([kit.claim(environmentId, 60), kit.claim(environmentId, 60)]);
  expect(new Set([kept, timed, ...fresh]).size).toBe(4);
  expect((await kit.api('DELETE', `/runners/${kept}`)).status).toBe(204);
  expect((await kit.api('GET', `/runners/${kept}/files`)).status).toBe(410);
});
