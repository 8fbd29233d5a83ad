import { ReconcilerWorld } from './support/reconciler-world';

let world: ReconcilerWorld;

beforeEach(async () => {
  world = await ReconcilerWorld.start();
  await world.putEnvironment({ id: 2, prewarmingPoolSize: 2 });
  await world.converge();
});

afterEach(async () => {
  await world.close();
  expect(world.backend.openEventStreams).toBe(0);
});

/** The runner is gone everywhere, the loss was reported once with `cause`, and the pool is full again. */
async function expectDestroyed(runnerId: string, cause: string) {
  expect(world.losses).toEqual([{ runnerId, cause }]);
  expect(await world.store.get('Runner', runnerId)).toBeUndefined();
  expect(world.backend.jobIds()).not.toContain(runnerId);
  const { idle } = await world.split(2);
  expect(idle).toHaveLength(2);
  expect(idle).not.toContain(runnerId);
}

describe('runner lifecycle', () => {
  it('destroys a claimed runner once it was inactive for its timeout, counting from the last activity', async () => {
    const runner = (await world.claim(2, 30)).metadata.name;
    await world.converge();
    expect(world.process.results.get(`runner/${runner}`)).toEqual({ requeueAfter: 30000 });
    world.clock.advance(20000);
    world.activity.set(runner, world.clock.now());
    world.clock.advance(20000);
    await world.converge();
    expect(world.process.results.get(`runner/${runner}`)).toEqual({ requeueAfter: 10000 });
    expect(world.losses).toEqual([]);
    world.clock.advance(10000);
    await world.converge();
    await expectDestroyed(runner, 'inactivityTimeout');
  });

  it('never expires a claim with timeout 0 and expires a negative one at once', async () => {
    const forever = (await world.claim(2, 0)).metadata.name;
    const never = (await world.claim(2, -1)).metadata.name;
    await world.converge();
    world.clock.advance(7 * 24 * 3600 * 1000);
    await world.converge();
    expect(world.losses).toEqual([{ runnerId: never, cause: 'inactivityTimeout' }]);
    expect((await world.split(2)).claimed).toEqual([forever]);
  });

  it('destroys an OOM-killed runner and replaces it', async () => {
    const runner = (await world.claim(2)).metadata.name;
    await world.converge();
    world.backend.oomKill(runner);
    await world.converge();
    await expectDestroyed(runner, 'oomKilled');
  });

  it('destroys a rescheduled runner rather than handing its id out again', async () => {
    const runner = (await world.claim(2)).metadata.name;
    await world.converge();
    world.backend.reschedule(runner);
    await world.converge();
    await expectDestroyed(runner, 'rescheduled');
  });

  it('destroys a runner whose allocation failed', async () => {
    const runner = (await world.claim(2)).metadata.name;
    await world.converge();
    world.backend.setAllocationStatus(runner, 'failed', { exitCode: 1 });
    await world.converge();
    await expectDestroyed(runner, 'stoppedUnexpectedly');
  });

  it('destroys a runner whose job was deregistered behind its back', async () => {
    const runner = (await world.claim(2)).metadata.name;
    await world.converge();
    await world.backend.deregisterJob(runner);
    await world.converge();
    await expectDestroyed(runner, 'stoppedUnexpectedly');
  });

  it('destroys every runner of a deleted environment even when the runner reconciler sees it first', async () => {
    const runner = (await world.claim(2)).metadata.name;
    await world.converge();
    await world.deleteEnvironment(2);
    await world.caughtUp();
    await world.process.runner.reconcile(runner);
    expect(world.losses).toEqual([{ runnerId: runner, cause: 'deregistered' }]);
    await world.converge();
    expect(world.backend.jobIds()).toEqual([]);
    expect(await world.runners(2)).toEqual([]);
  });
});
