/**
 * A template the backend refuses as invalid is a terminal error: the runtime does not retry it, so the environment
 * reconciler records it in the status (Degraded / TemplateRejected with the backend's reason), and the pool creates
 * nothing for a template that was never registered. A later spec change reconciles normally again.
 */
import { PoseidonError } from '../../crds/errors';
import { ReconcilerWorld } from './support/reconciler-world';

let world: ReconcilerWorld;

beforeEach(async () => {
  world = await ReconcilerWorld.start();
});

afterEach(async () => {
  await world.close();
});

async function conditions(id: number) {
  return (await world.store.get('ExecutionEnvironment', `environment-${id}`))?.status?.conditions ?? [];
}

describe('a template the backend rejects', () => {
  it('is recorded in the status, rethrown as terminal, and creates no runners', async () => {
    await world.putEnvironment({ id: 7, prewarmingPoolSize: 3 });
    const reason = 'job template-7: settings.memoryLimit must be an integer between 0 and 1048576, got 2000000';
    world.backend.failNext('registerJob', new PoseidonError('Invalid', reason));
    await expect(world.process.environment.reconcile('7')).rejects.toMatchObject({ code: 'Invalid', retryable: false });
    await world.process.pool.reconcile('7');
    expect(await conditions(7)).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'TemplateRejected' }),
      expect.objectContaining({ type: 'Progressing', status: 'False', reason: 'TemplateRejected' }),
      expect.objectContaining({ type: 'Degraded', status: 'True', reason: 'TemplateRejected' }),
    ]);
    expect((await conditions(7))[2]?.message).toContain(reason);
    expect(world.backend.jobIds()).toEqual([]);
    expect(await world.runners(7)).toEqual([]);
  });

  it('leaves a retryable failure to the runtime without touching the status', async () => {
    await world.putEnvironment({ id: 8, prewarmingPoolSize: 1 });
    world.backend.failNext('registerJob');
    await expect(world.process.environment.reconcile('8')).rejects.toMatchObject({ code: 'BackendUnavailable' });
    expect(await conditions(8)).toEqual([]);
    await world.converge();
    expect((await conditions(8)).find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
  });
});
