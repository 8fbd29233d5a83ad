/**
 * Drop-in migration on the real service: the backend already holds the jobs the original Go Poseidon left (a
 * template job without this project's hash, an idle runner job and a used one with its files). On start the
 * environment appears, the used runner stays claimed (its client keeps it, files included) and is never handed out,
 * the idle one joins the pool, and the pool is topped up to exactly its size.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createEmbeddedBackend } from '../../controllers/backends/embedded';
import { loadConfig } from '../../controllers/config/load-config';
import type { TaskSettings } from '../../reconcilers/ports';
import { eventually } from '../support/eventually';
import { expectNoLeaks, handleCounts, type HandleCounts } from './support/leak-check';
import { newStateDir, removeState, serviceEnv, startTestService } from './support/service-harness';

jest.setTimeout(60_000);

const dir = newStateDir();
let baseline: HandleCounts;

beforeAll(() => {
  // Taken inside a hook, like the check in afterAll, so both count the hook's own timeout timer.
  baseline = handleCounts();
});
const settings: TaskSettings = {
  image: 'host',
  cpuLimit: 20,
  memoryLimit: 256,
  networkAccess: false,
  exposedPorts: [],
};
const usedRunner = `61-${randomUUID()}`;
const idleRunner = `61-${randomUUID()}`;

afterAll(async () => {
  await removeState(dir);
  await expectNoLeaks(baseline);
});

/** Writes the Go service's jobs into the embedded backend's state, and a file into the used runner. */
async function leaveGoJobs(): Promise<void> {
  const { config } = loadConfig({ argv: [], env: serviceEnv(), cwd: dir });
  const backend = await createEmbeddedBackend({
    stateDir: config.embedded.statedir,
    logger: pino({ level: 'silent' }),
    supervisionIntervalMs: 0,
  });
  try {
    await backend.registerJob({
      id: 'template-61',
      settings: { ...settings, forcePull: true },
      meta: { used: 'false', prewarmingPoolSize: '3' },
    });
    await backend.registerJob({ id: idleRunner, settings, meta: { used: 'false' } });
    await backend.registerJob({ id: usedRunner, settings, meta: { used: 'true', timeout: '0' } });
    await backend.settled();
    const write = await backend.exec({
      jobId: usedRunner,
      command: ['bash', '-c', 'echo learner work > /workspace/main.py'],
      privileged: true,
      tty: false,
    });
    expect(await write.exited).toEqual({ exitCode: 0 });
  } finally {
    await backend.stop();
  }
}

describe('migration from the original Go service', () => {
  it('adopts the environment and its runners: the used one stays claimed, the pool fills to its size', async () => {
    await leaveGoJobs();
    const world = await startTestService({ dir });
    try {
      const pool = await eventually(() => world.world.settledPool(61, 3), { timeoutMs: 20_000, intervalMs: 25 });
      expect(pool.runners.filter((r) => r.claimed).map((r) => r.id)).toEqual([usedRunner]);
      expect(pool.runners.filter((r) => !r.claimed).map((r) => r.id)).toContain(idleRunner);
      const view = await world.api.kit.api('GET', '/execution-environments/61');
      expect(view.json()).toMatchObject({ id: 61, image: 'host', prewarmingPoolSize: 3, memoryLimit: 256 });
      expect((await world.api.readFile(usedRunner, 'main.py')).text).toBe('learner work\n');
      const claimed = [await world.api.claim(61), await world.api.claim(61), await world.api.claim(61)];
      expect(claimed).not.toContain(usedRunner);
      expect(claimed).toContain(idleRunner);
      expect(await world.api.release(usedRunner)).toBe(204);
      await eventually(
        async () => expect((await world.world.pool(61)).jobs.some((j) => j.id === usedRunner)).toBe(false),
        { timeoutMs: 10_000 },
      );
    } finally {
      await world.stop();
    }
  });
});
