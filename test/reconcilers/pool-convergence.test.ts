import { environmentStatistics } from '../../reconcilers/statistics/pool-statistics';
import { templateRevision } from '../../reconcilers/template/render-template';
import { ReconcilerWorld } from './support/reconciler-world';

let world: ReconcilerWorld;

beforeEach(async () => {
  world = await ReconcilerWorld.start({ maxCreationsPerReconcile: 3 });
});

afterEach(async () => {
  await world.close();
  expect(world.backend.openEventStreams).toBe(0);
});

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const values = (await world.process.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
}

function statistics(id: number) {
  const { desired, observed } = world.process;
  return environmentStatistics(desired, observed).find((s) => s.id === id);
}

describe('pool, environment and runner reconcilers together', () => {
  it('registers the template and fills the pool with running runners up to its size', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 5 });
    await world.converge();
    const runners = await world.runners(1);
    expect(runners).toHaveLength(5);
    expect(world.runnerJobs(1).sort()).toEqual(runners.map((r) => r.metadata.name).sort());
    expect(world.backend.jobIds()).toContain('template-1');
    expect(runners.every((r) => r.status?.phase === 'Running')).toBe(true);
    expect(statistics(1)).toEqual({ id: 1, prewarmingPoolSize: 5, idleRunners: 5, usedRunners: 0 });
    const env = await world.store.get('ExecutionEnvironment', 'environment-1');
    expect(env?.status).toMatchObject({ observedGeneration: 1, idleRunners: 5, desiredIdleRunners: 5 });
    expect(env?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(
      await metric('poseidon_reconcile_outcomes_total', { controller: 'pool', object: 'Runner', outcome: 'created' }),
    ).toBe(5);
    expect(
      await metric('poseidon_reconcile_outcomes_total', {
        controller: 'runner',
        object: 'RunnerJob',
        outcome: 'created',
      }),
    ).toBe(5);
    expect(await metric('poseidon_idle_runners', { environment_id: '1' })).toBe(5);
    expect(await metric('poseidon_desired_idle_runners', { environment_id: '1' })).toBe(5);
  });

  it('gives concurrent claims distinct runners and answers the rest with NoRunnerAvailable', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 3 });
    await world.converge();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => world.claim(1)));
    const names = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.metadata.name] : []));
    expect(new Set(names).size).toBe(3);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(
      ['NoRunnerAvailable', 'NoRunnerAvailable'],
    );
    await world.converge();
    expect(statistics(1)).toMatchObject({ idleRunners: 3, usedRunners: 3 });
  });

  it('refills the pool after claims and mirrors each claim into its job meta', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 3 });
    await world.converge();
    const first = await world.claim(1, 120);
    const second = await world.claim(1, 0);
    expect(statistics(1)).toMatchObject({ idleRunners: 1, usedRunners: 2 });
    await world.converge();
    const { claimed, idle } = await world.split(1);
    expect(claimed).toEqual([first.metadata.name, second.metadata.name].sort());
    expect(idle).toHaveLength(3);
    expect(statistics(1)).toMatchObject({ idleRunners: 3, usedRunners: 2 });
    const job = world.process.observed.job(first.metadata.name);
    expect(job?.meta).toMatchObject({ used: 'true', timeout: '120', claimedAt: first.spec.claim?.claimedAt });
  });

  it('changes nothing when the same spec is put again', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 2 });
    await world.converge();
    const index = world.backend.index;
    const runners = await world.runners(1);
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 2 });
    expect(await world.converge()).toBe(1);
    expect(world.backend.index).toBe(index);
    expect(await world.runners(1)).toEqual(runners);
  });

  it('removes surplus idle runners when the pool shrinks and keeps claimed ones', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 4 });
    await world.converge();
    const claimed = await world.claim(1);
    await world.converge();
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 1 });
    await world.converge();
    const split = await world.split(1);
    expect(split.claimed).toEqual([claimed.metadata.name]);
    expect(split.idle).toHaveLength(1);
    expect(world.runnerJobs(1)).toHaveLength(2);
    expect(world.backend.jobIds()).toContain('template-1');
    expect(world.process.observed.job('template-1')?.meta.prewarmingPoolSize).toBe('1');
  });

  it('rolls idle runners onto a changed spec and keeps claimed runners working', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 3 });
    await world.converge();
    const claimed = await world.claim(1);
    await world.converge();
    const before = await world.split(1);
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 3, image: 'openhpi/co_execenv_python:3.12' });
    await world.converge();
    const after = await world.split(1);
    const revision = templateRevision((await world.store.get('ExecutionEnvironment', 'environment-1'))!.spec);
    expect(after.claimed).toEqual([claimed.metadata.name]);
    expect(after.idle).toHaveLength(3);
    expect(after.idle.some((name) => before.idle.includes(name))).toBe(false);
    for (const runner of await world.runners(1)) {
      if (!runner.spec.claim) expect(runner.spec.templateRevision).toBe(revision);
    }
    expect(world.process.observed.job(claimed.metadata.name)?.settings.image).toBe('openhpi/co_execenv_python:3.8');
    expect(world.process.observed.job('template-1')?.settings.image).toBe('openhpi/co_execenv_python:3.12');
    expect(world.losses).toEqual([]);
    expect(world.runnerJobs(1)).toHaveLength(4);
  });

  it('destroys claimed runners when a new spec removes their network access', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 2, networkAccess: true, exposedPorts: [8080] });
    await world.converge();
    const claimed = await world.claim(1);
    expect(claimed.status?.mappedPorts?.[0]).toMatchObject({ exposedPort: 8080 });
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 2, networkAccess: false });
    await world.converge();
    expect(world.losses).toEqual([{ runnerId: claimed.metadata.name, cause: 'deregistered' }]);
    expect(await world.split(1)).toMatchObject({ claimed: [] });
    expect(world.runnerJobs(1)).not.toContain(claimed.metadata.name);
    expect(world.runnerJobs(1)).toHaveLength(2);
  });

  it('tears everything down when the environment is deleted', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 2 });
    await world.putEnvironment({ id: 10, prewarmingPoolSize: 1 });
    await world.converge();
    const claimed = await world.claim(1);
    const everyRunner = (await world.runners(1)).map((r) => r.metadata.name).sort();
    expect(everyRunner).toContain(claimed.metadata.name);
    await world.deleteEnvironment(1);
    await world.converge();
    expect(await world.runners(1)).toEqual([]);
    expect(world.backend.jobIds().filter((id) => id === 'template-1' || id.startsWith('1-'))).toEqual([]);
    // Every runner of the deleted environment is reported once, idle ones included.
    expect(world.losses.map((l) => l.runnerId).sort()).toEqual(everyRunner);
    expect(new Set(world.losses.map((l) => l.cause))).toEqual(new Set(['deregistered']));
    expect(await world.runners(10)).toHaveLength(1);
    expect(world.backend.jobIds()).toContain('template-10');
  });

  it('deregisters the job of a released runner and refills the pool', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 1 });
    await world.converge();
    const claimed = await world.claim(1);
    await world.converge();
    await world.release(claimed.metadata.name);
    await world.converge();
    expect(world.runnerJobs(1)).not.toContain(claimed.metadata.name);
    expect(await world.split(1)).toMatchObject({ claimed: [], idle: [expect.any(String)] });
  });

  it('creates runners in bounded bursts and asks to be requeued until the pool is full', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 7 });
    await world.caughtUp();
    await world.process.environment.reconcile('1');
    await world.caughtUp();
    expect(await world.process.pool.reconcile('1')).toEqual({ requeueAfter: 1 });
    expect(await world.runners(1)).toHaveLength(3);
    await world.converge();
    expect(await world.runners(1)).toHaveLength(7);
  });

  it('never over-creates while the cache lags behind its own creations', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 2 });
    await world.caughtUp();
    await world.process.environment.reconcile('1');
    await world.caughtUp();
    await world.process.pool.reconcile('1');
    const lagging = await world.runners(1);
    // The desired cache briefly misses the created runners (as a lagging watch would).
    const desired = world.process.desired;
    const runnersOf = desired.runnersOf.bind(desired);
    desired.runnersOf = () => [];
    const runner = desired.runner.bind(desired);
    desired.runner = () => undefined;
    await world.process.pool.reconcile('1');
    desired.runnersOf = runnersOf;
    desired.runner = runner;
    expect(await world.runners(1)).toEqual(lagging);
    await world.converge();
    expect(await world.runners(1)).toHaveLength(2);
  });
});
