import { Registry } from 'prom-client';
import { errorCodeOf } from '../../crds/errors';
import { MemoryStore } from '../../crds/store/memory-store';
import { environment, runner } from '../../test/crds/builders';
import { DelayedStore } from '../../test/reconcilers/support/delayed-store';
import { ObservedSnapshot } from '../../test/reconcilers/support/observed-snapshot';
import { allocation, jobState, runnerId } from '../../test/reconcilers/support/reconciler-builders';
import { StoreDesiredState } from '../../test/reconcilers/support/store-desired-state';
import { renderRunnerJob, renderTemplateJob, templateRevision } from '../template/render-template';
import { RunnerClaimer } from './claim';

const NOW = Date.UTC(2025, 0, 1);

async function world(idle: number, options: { delayed?: boolean; running?: boolean } = {}) {
  const memory = new MemoryStore();
  const store = options.delayed ? new DelayedStore(memory) : memory;
  const env = await memory.create(
    'ExecutionEnvironment',
    environment('environment-3', 3, { prewarmingPoolSize: idle }),
  );
  const revision = templateRevision(env.spec);
  const observed = new ObservedSnapshot();
  const template = renderTemplateJob(env.spec);
  for (let n = 1; n <= idle; n++) {
    const id = runnerId(3, n);
    await memory.create('Runner', runner(id, 3, { templateRevision: revision }));
    const job = jobState(renderRunnerJob(template, id, { environmentId: 3, templateRevision: revision }));
    observed.set(id, job, [allocation(id, options.running === false ? 'pending' : 'running')]);
  }
  const desired = await StoreDesiredState.open(memory);
  const registry = new Registry();
  let seed = 0;
  const random = () => (seed = (seed * 9301 + 49297) % 233280) / 233280;
  const claimer = new RunnerClaimer({ store, desired, observed, random, registry, maxConflicts: 100 });
  return { memory, desired, observed, claimer, registry, revision };
}

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return errorCodeOf(error);
  }
}

describe('RunnerClaimer', () => {
  it('claims an idle running runner of the current revision and stores the claim', async () => {
    const { claimer, memory, desired } = await world(1);
    const claimed = await claimer.claimRunner({ environmentId: 3, inactivityTimeout: 90, now: NOW });
    expect(claimed.spec.claim).toEqual({ inactivityTimeout: 90, claimedAt: new Date(NOW).toISOString() });
    expect((await memory.get('Runner', claimed.metadata.name))?.spec.claim?.inactivityTimeout).toBe(90);
    desired.close();
  });

  it('answers EnvironmentNotFound for an unknown environment and NoRunnerAvailable once the pool is used up', async () => {
    const { claimer, desired } = await world(1);
    expect(await codeOf(claimer.claimRunner({ environmentId: 99, inactivityTimeout: 0, now: NOW }))).toBe(
      'EnvironmentNotFound',
    );
    expect(await codeOf(claimer.claimRunner({ environmentId: 3, inactivityTimeout: 0, now: NOW }))).toBe('ok');
    expect(await codeOf(claimer.claimRunner({ environmentId: 3, inactivityTimeout: 0, now: NOW }))).toBe(
      'NoRunnerAvailable',
    );
    desired.close();
  });

  it('never hands out a runner whose allocation is not running or whose revision is old', async () => {
    const pending = await world(2, { running: false });
    expect(await codeOf(pending.claimer.claimRunner({ environmentId: 3, inactivityTimeout: 0, now: NOW }))).toBe(
      'NoRunnerAvailable',
    );
    pending.desired.close();
    const stale = await world(1);
    const env = await stale.memory.list('ExecutionEnvironment');
    await stale.memory.update('ExecutionEnvironment', { ...env[0]!, spec: { ...env[0]!.spec, image: 'new' } });
    expect(await codeOf(stale.claimer.claimRunner({ environmentId: 3, inactivityTimeout: 0, now: NOW }))).toBe(
      'NoRunnerAvailable',
    );
    stale.desired.close();
  });

  it('gives concurrent claims distinct runners', async () => {
    const { claimer, memory, desired } = await world(10, { delayed: true });
    const results = await Promise.allSettled(
      Array.from({ length: 14 }, () => claimer.claimRunner({ environmentId: 3, inactivityTimeout: 0, now: NOW })),
    );
    const names = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.metadata.name] : []));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(10);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [errorCodeOf(r.reason)] : []));
    expect(failures).toEqual(Array(4).fill('NoRunnerAvailable'));
    const claimedInStore = (await memory.list('Runner')).filter((r) => r.spec.claim).map((r) => r.metadata.name);
    expect(claimedInStore.sort()).toEqual([...names].sort());
    desired.close();
  });

  it('serves a burst as large as the pool while the cache lags, without giving up on conflicts', async () => {
    const { memory, desired, observed, registry } = await world(40, { delayed: true });
    // The cache stops following the store: every claim of the burst sees all 40 runners idle.
    desired.close();
    const store = new DelayedStore(memory);
    const claimer = new RunnerClaimer({ store, desired, observed, random: () => 0, registry });
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => claimer.claimRunner({ environmentId: 3, inactivityTimeout: 0, now: NOW })),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const claimedInStore = (await memory.list('Runner')).filter((r) => r.spec.claim);
    expect(claimedInStore).toHaveLength(40);
  });

  it('claims a runner whose status was written after the cache saw it, when it is still idle', async () => {
    const { claimer, memory, desired } = await world(1);
    desired.close(); // the cache stops following the store: it lags behind the next write
    const [stored] = await memory.list('Runner');
    const name = stored!.metadata.name;
    await memory.updateStatus('Runner', name, String(stored!.metadata.resourceVersion), { phase: 'Running' });
    const claimed = await claimer.claimRunner({ environmentId: 3, inactivityTimeout: 5, now: NOW });
    expect(claimed.metadata.name).toBe(name);
    expect(await memory.get('Runner', name)).toMatchObject({
      spec: { claim: { inactivityTimeout: 5 } },
      status: { phase: 'Running' },
    });
  });

  it('does not claim a runner that another client claimed after the cache saw it', async () => {
    const { claimer, memory, desired } = await world(1);
    desired.close();
    const [stored] = await memory.list('Runner');
    const claim = { inactivityTimeout: 1, claimedAt: new Date(NOW).toISOString() };
    await memory.update('Runner', { ...stored!, spec: { ...stored!.spec, claim } });
    expect(await codeOf(claimer.claimRunner({ environmentId: 3, inactivityTimeout: 5, now: NOW }))).toBe(
      'NoRunnerAvailable',
    );
    expect((await memory.get('Runner', stored!.metadata.name))?.spec.claim?.inactivityTimeout).toBe(1);
  });

  it('records claim latency by result', async () => {
    const { claimer, registry, desired } = await world(1);
    await claimer.claimRunner({ environmentId: 3, inactivityTimeout: 0, now: NOW });
    await codeOf(claimer.claimRunner({ environmentId: 3, inactivityTimeout: 0, now: NOW }));
    const text = await registry.getSingleMetricAsString('poseidon_claim_duration_seconds');
    expect(text).toMatch(/poseidon_claim_duration_seconds_count\{result="claimed"\} 1/);
    expect(text).toMatch(/poseidon_claim_duration_seconds_count\{result="no_runner"\} 1/);
    desired.close();
  });
});
