import type { TaskSettings } from '../../reconcilers/ports';
import { templateRevision } from '../../reconcilers/template/render-template';
import { ReconcilerWorld } from './support/reconciler-world';

let world: ReconcilerWorld;

beforeEach(async () => {
  world = await ReconcilerWorld.start();
});

afterEach(async () => {
  await world.close();
  expect(world.backend.openEventStreams).toBe(0);
});

describe('recovery', () => {
  it('rebuilds nothing and loses nothing when a fresh controller starts over an existing store and backend', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 3 });
    await world.putEnvironment({ id: 2, prewarmingPoolSize: 2 });
    await world.converge();
    const claims = [await world.claim(1, 60), await world.claim(1, 60), await world.claim(2, 0)];
    await world.converge();
    const runners = (await world.store.list('Runner')).map((r) => [r.metadata.name, r.spec]);
    const jobs = world.backend.jobIds();
    world.clock.advance(50000);
    await world.restart();
    await world.converge();
    expect((await world.store.list('Runner')).map((r) => [r.metadata.name, r.spec])).toEqual(runners);
    expect(world.backend.jobIds()).toEqual(jobs);
    expect((await world.split(1)).idle).toHaveLength(3);
    expect((await world.split(2)).idle).toHaveLength(2);
    // The inactivity timer restarted with its full duration: 50 s more (100 s after the claim) are fine.
    world.clock.advance(50000);
    await world.converge();
    expect(world.losses).toEqual([]);
    world.clock.advance(10000);
    await world.converge();
    expect(world.losses.map((l) => l.runnerId).sort()).toEqual(
      claims
        .slice(0, 2)
        .map((c) => c.metadata.name)
        .sort(),
    );
    expect((await world.split(2)).claimed).toEqual([claims[2]!.metadata.name]);
  });

  it('deregisters runner jobs whose resource was deleted before a crash, and refills the pool', async () => {
    await world.putEnvironment({ id: 1, prewarmingPoolSize: 2 });
    await world.converge();
    const [lost] = (await world.split(1)).idle;
    await world.restart();
    await world.store.delete('Runner', lost!);
    await world.converge();
    expect(world.runnerJobs(1)).not.toContain(lost);
    expect(world.runnerJobs(1)).toHaveLength(2);
    expect((await world.split(1)).idle).toHaveLength(2);
  });

  it('adopts the jobs of the original Go service: claimed stay claimed, matching idle ones stay, others roll', async () => {
    const spec = { id: 5, prewarmingPoolSize: 3, image: 'openhpi/co_execenv_java:17', cpuLimit: 40, memoryLimit: 512 };
    const settings: TaskSettings = { ...spec, networkAccess: false, exposedPorts: [] };
    const goId = (n: number) => `5-6f04b525-5315-11ee-af32-fa163e07${n.toString().padStart(4, '0')}`;
    await world.backend.registerJob({
      id: 'template-5',
      settings: { ...settings, forcePull: true },
      meta: { used: 'false', prewarmingPoolSize: '3' },
    });
    await world.backend.registerJob({ id: goId(1), settings, meta: { used: 'true', timeout: '300' } });
    await world.backend.registerJob({ id: goId(2), settings, meta: { used: 'false' } });
    await world.backend.registerJob({ id: goId(3), settings, meta: { used: 'false', timeout: '60' } });
    await world.backend.registerJob({ id: goId(4), settings: { ...settings, image: 'old' }, meta: { used: 'false' } });
    await world.backend.settled();
    await world.restart();
    // What controllers/services/adopt-environments does for the template job:
    await world.putEnvironment(spec);
    await world.converge();
    const claimed = await world.store.get('Runner', goId(1));
    expect(claimed?.spec.claim?.inactivityTimeout).toBe(300);
    const { idle } = await world.split(5);
    expect(idle).toHaveLength(3);
    expect(idle).toEqual(expect.arrayContaining([goId(2), goId(3)]));
    expect(idle).not.toContain(goId(4));
    expect(world.runnerJobs(5).sort()).toEqual([goId(1), ...idle].sort());
    const revision = templateRevision({ ...spec, networkAccess: false, exposedPorts: [] });
    expect(world.process.observed.job('template-5')?.meta.templateHash).toBe(revision);
    expect(world.process.observed.job(goId(1))?.meta).toMatchObject({
      used: 'true',
      timeout: '300',
      templateHash: revision,
    });
    expect(world.losses).toEqual([]);
  });
});
