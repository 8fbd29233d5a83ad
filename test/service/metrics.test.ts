/**
 * `/metrics` of the real service (CONVENTIONS rule 10): controller-runtime's controller and work queue metrics for
 * the three controllers, the domain gauges and histograms, each metric registered once, and the figures move with
 * what happens. Two services in one process keep their metrics apart (no global registry).
 */
import { eventually } from '../support/eventually';
import { parseExposition, sampleSum, type Sample } from './support/metric-value';
import { expectNoLeaks, handleCounts, type HandleCounts } from './support/leak-check';
import { removeState, startTestService, type TestService } from './support/service-harness';

jest.setTimeout(60_000);

let world: TestService;
let baseline: HandleCounts;

beforeAll(async () => {
  baseline = handleCounts();
  world = await startTestService();
});

afterAll(async () => {
  await world.stop();
  await removeState(world.dir);
  await expectNoLeaks(baseline);
});

const CONTROLLERS = ['environment', 'pool', 'runner'];

async function scrape(service: TestService = world): Promise<{ text: string; samples: Sample[] }> {
  const response = await service.api.kit.client.request('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain/);
  return { text: response.text, samples: parseExposition(response.text) };
}

describe('metrics of the real service', () => {
  it('registers every metric once, with controller-runtime names for the three controllers', async () => {
    const { text, samples } = await scrape();
    const types = text.split('\n').filter((line) => line.startsWith('# TYPE '));
    const names = types.map((line) => line.split(' ')[2]);
    expect(new Set(names).size).toBe(names.length);
    for (const name of [
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_terminal_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds',
      'controller_runtime_active_workers',
      'controller_runtime_max_concurrent_reconciles',
      'workqueue_depth',
      'workqueue_adds_total',
      'workqueue_retries_total',
      'workqueue_queue_duration_seconds',
      'workqueue_work_duration_seconds',
      'workqueue_unfinished_work_seconds',
      'workqueue_longest_running_processor_seconds',
      'poseidon_idle_runners',
      'poseidon_used_runners',
      'poseidon_desired_idle_runners',
      'poseidon_claim_duration_seconds',
      'poseidon_runner_losses_total',
      'poseidon_reconcile_outcomes_total',
      'poseidon_event_feed_reconnects_total',
      'poseidon_cache_relists_total',
      'poseidon_execution_duration_seconds',
    ]) {
      expect(names).toContain(name);
    }
    for (const controller of CONTROLLERS) {
      for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
        expect(samples).toContainEqual(
          expect.objectContaining({ name: 'controller_runtime_reconcile_total', labels: { controller, result } }),
        );
      }
      expect(samples).toContainEqual({
        name: 'controller_runtime_max_concurrent_reconciles',
        labels: { controller },
        value: 2,
      });
      expect(samples).toContainEqual(
        expect.objectContaining({ name: 'workqueue_depth', labels: { name: controller } }),
      );
    }
    expect(sampleSum(samples, 'poseidon_cache_relists_total', { reason: 'initial' })).toBe(1);
  });

  it('moves the reconcile, queue, pool and claim figures as a pool fills and runners are claimed', async () => {
    const before = (await scrape()).samples;
    expect(await world.api.putEnvironment(81, { prewarmingPoolSize: 3 })).toBe(201);
    await eventually(() => world.world.settledPool(81, 3), { timeoutMs: 20_000, intervalMs: 25 });
    const claimed = await world.api.claim(81);
    const empty = 82;
    expect(await world.api.putEnvironment(empty, { prewarmingPoolSize: 0 })).toBe(201);
    expect((await world.api.claimResponse(empty)).status).toBe(500);
    await world.api.run(claimed, 'true');

    const after = await eventually(
      async () => {
        const { samples } = await scrape();
        const gauge = (name: string) => sampleSum(samples, name, { environment_id: '81' });
        expect([gauge('poseidon_idle_runners'), gauge('poseidon_used_runners')]).toEqual([3, 1]);
        expect(gauge('poseidon_desired_idle_runners')).toBe(3);
        return samples;
      },
      { timeoutMs: 10_000, intervalMs: 25 },
    );
    const grew = (name: string, labels: Record<string, string>) =>
      sampleSum(after, name, labels) - sampleSum(before, name, labels);
    for (const controller of CONTROLLERS) {
      expect(grew('controller_runtime_reconcile_total', { controller, result: 'success' })).toBeGreaterThan(0);
      expect(grew('controller_runtime_reconcile_time_seconds_count', { controller })).toBeGreaterThan(0);
      expect(grew('workqueue_adds_total', { name: controller })).toBeGreaterThan(0);
      expect(grew('workqueue_work_duration_seconds_count', { name: controller })).toBeGreaterThan(0);
    }
    expect(
      grew('poseidon_reconcile_outcomes_total', { controller: 'pool', object: 'Runner', outcome: 'created' }),
    ).toBe(4);
    expect(grew('poseidon_claim_duration_seconds_count', { result: 'claimed' })).toBe(1);
    expect(grew('poseidon_claim_duration_seconds_count', { result: 'no_runner' })).toBe(1);
    expect(grew('poseidon_execution_duration_seconds_count', {})).toBe(1);
    expect(sampleSum(after, 'workqueue_depth', {})).toBeGreaterThanOrEqual(0);
  });

  it('drops the gauges of a deleted environment and counts each of its runners lost once', async () => {
    const before = (await scrape()).samples;
    expect(await world.api.deleteEnvironment(81)).toBe(204);
    await eventually(
      async () => {
        const { samples } = await scrape();
        expect(samples.filter((s) => s.labels.environment_id === '81')).toEqual([]);
        const lost = (list: Sample[]) => sampleSum(list, 'poseidon_runner_losses_total', { cause: 'deregistered' });
        // Three idle runners and the claimed one, each once although the pool and runner reconcilers both report.
        expect(lost(samples) - lost(before)).toBe(4);
      },
      { timeoutMs: 10_000, intervalMs: 25 },
    );
  });

  it('keeps the metrics of two services in one process apart', async () => {
    const other = await startTestService();
    try {
      const { samples } = await scrape(other);
      expect(sampleSum(samples, 'poseidon_claim_duration_seconds_count', {})).toBe(0);
      expect(sampleSum(samples, 'poseidon_desired_idle_runners', { environment_id: '82' })).toBe(0);
      expect(sampleSum((await scrape()).samples, 'poseidon_claim_duration_seconds_count', {})).toBe(2);
    } finally {
      await other.stop();
      await removeState(other.dir);
    }
  });
});
