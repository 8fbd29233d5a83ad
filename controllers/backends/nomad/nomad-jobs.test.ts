import { eventually } from '../../../test/support/eventually';
import { renderJob } from './render-job';
import { defaultTemplateJob } from './job-template';
import { runnerSpec, runningRunner, startNomadFixture, type NomadFixture } from './nomad-test-harness';

describe('runner jobs on Nomad', () => {
  let fixture: NomadFixture;
  beforeEach(async () => {
    fixture = await startNomadFixture({ runtime: 'mock', restartDelayMs: 20, rescheduleDelayMs: 20 });
  });
  afterEach(async () => fixture.close());

  it('registers a runner job whose allocation runs, and reads it back with its settings and meta', async () => {
    const { backend } = fixture;
    const spec = runnerSpec(2, { networkAccess: true, exposedPorts: [8080] });
    await runningRunner(backend, spec);
    const job = await backend.readJob(spec.id);
    expect(job).toMatchObject({ id: spec.id, settings: spec.settings, meta: spec.meta, status: 'running', version: 0 });
    const [allocation] = await backend.jobAllocations(spec.id);
    expect(allocation?.ports).toEqual([expect.objectContaining({ label: '8080', to: 8080 })]);
  });

  it('mirrors a claim into the meta without replacing the allocation', async () => {
    const { backend } = fixture;
    const spec = runnerSpec();
    const allocationId = await runningRunner(backend, spec);
    const before = await backend.readJob(spec.id);
    const claimed = { ...spec, meta: { ...spec.meta, used: 'true', timeout: '60' } };
    await backend.registerJob(claimed, { enforceIndex: before?.jobModifyIndex });
    await fixture.server.settled();
    expect((await backend.readJob(spec.id))?.meta).toEqual(claimed.meta);
    const allocations = await backend.jobAllocations(spec.id);
    expect(allocations.map((a) => [a.id, a.clientStatus])).toEqual([[allocationId, 'running']]);
  });

  it('replaces the allocation when the settings change', async () => {
    const { backend } = fixture;
    const spec = runnerSpec();
    const first = await runningRunner(backend, spec);
    await backend.registerJob({ ...spec, settings: { ...spec.settings, cpuLimit: 80 } });
    const replacement = await eventually(async () => {
      const [newest] = await backend.jobAllocations(spec.id);
      return newest && newest.id !== first && newest.clientStatus === 'running' ? newest : false;
    });
    expect(replacement.previousAllocationId).toBe(first);
  });

  it('rejects a stale check-and-set with Conflict and an invalid job with Invalid, changing nothing', async () => {
    const { backend } = fixture;
    const spec = runnerSpec();
    await backend.registerJob(spec, { enforceIndex: 0 });
    await expect(backend.registerJob(spec, { enforceIndex: 0 })).rejects.toMatchObject({ code: 'Conflict' });
    const current = await backend.readJob(spec.id);
    const stale = (current?.jobModifyIndex ?? 0) + 100;
    await expect(
      backend.registerJob({ ...spec, meta: { used: 'true' } }, { enforceIndex: stale }),
    ).rejects.toMatchObject({
      code: 'Conflict',
    });
    await expect(backend.registerJob({ ...spec, settings: { ...spec.settings, cpuLimit: 0 } })).rejects.toMatchObject({
      code: 'Invalid',
      retryable: false,
    });
    expect(await backend.readJob(spec.id)).toEqual(current);
  });

  it('deregisters by purging, and succeeds for unknown jobs', async () => {
    const { backend } = fixture;
    const spec = runnerSpec();
    await runningRunner(backend, spec);
    await backend.deregisterJob(spec.id);
    expect(await backend.readJob(spec.id)).toBeUndefined();
    await eventually(async () => (await backend.jobAllocations(spec.id)).every((a) => a.clientStatus === 'complete'));
    await expect(backend.deregisterJob(runnerSpec().id)).resolves.toBeDefined();
  });

  it('shows an OOM kill as a task event and an in-place restart', async () => {
    const { backend, server } = fixture;
    const spec = runnerSpec();
    const allocationId = await runningRunner(backend, spec);
    server.oomKill(allocationId);
    const restarted = await eventually(async () => {
      const [allocation] = await backend.jobAllocations(spec.id);
      return allocation?.restarts === 1 && allocation.clientStatus === 'running' ? allocation : false;
    });
    expect(restarted.id).toBe(allocationId);
    expect(restarted.taskEvents).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Terminated', oomKilled: true, exitCode: 137 })]),
    );
  });

  it('shows a reschedule as a new allocation linked to the failed one', async () => {
    const { backend, server } = fixture;
    const spec = runnerSpec();
    const first = await runningRunner(backend, spec);
    server.reschedule(first);
    const allocations = await eventually(async () => {
      const list = await backend.jobAllocations(spec.id);
      return list.length === 2 && list[0]?.clientStatus === 'running' ? list : false;
    });
    expect(allocations[0]?.previousAllocationId).toBe(first);
    expect(allocations[1]).toMatchObject({ id: first, clientStatus: 'failed', nextAllocationId: allocations[0]?.id });
  });

  it('places nothing while placements fail, and places once they work again', async () => {
    const { backend, server } = fixture;
    server.failPlacements(true);
    const spec = runnerSpec();
    await backend.registerJob(spec);
    await server.settled();
    expect(await backend.jobAllocations(spec.id)).toEqual([]);
    const failed = [...server.state.evals.values()].find((e) => e.JobID === spec.id && e.FailedTGAllocs);
    expect(failed?.BlockedEval).toBeTruthy();
    server.failPlacements(false);
    await eventually(async () => (await backend.jobAllocations(spec.id))[0]?.clientStatus === 'running');
  });

  it('lists runner jobs and their allocations by prefix, leaving other jobs out', async () => {
    const { backend, server } = fixture;
    const ten = runnerSpec(10);
    const one = runnerSpec(1);
    await runningRunner(backend, ten);
    await runningRunner(backend, one);
    server.registerJob({
      Job: renderJob(
        { ...runnerSpec(3), id: 'web' },
        { template: defaultTemplateJob(), namespace: 'default', network: { mode: 'bridge' }, disableForcePull: false },
      ),
    });
    expect((await backend.listJobs('1-')).items.map((j) => j.id)).toEqual([one.id]);
    expect((await backend.listJobs('')).items.map((j) => j.id).sort()).toEqual([one.id, ten.id].sort());
    const allocations = await backend.listAllocations('1-');
    expect(allocations.items.map((a) => a.jobId)).toEqual([one.id]);
    expect(allocations.index).toBeGreaterThan(0);
  });

  it('answers only what the OpenAPI document allows', async () => {
    await runningRunner(fixture.backend);
    expect(fixture.server.violations).toEqual([]);
  });
});
