import { errorCodeOf, hasErrorCode } from '../../crds/errors';
import type { BackendEvent, JobSpec } from '../../reconcilers/ports';
import { FakeBackend } from './fake-backend';

const settings = { image: 'python:3.12', cpuLimit: 40, memoryLimit: 128, networkAccess: false, exposedPorts: [] };

function job(id: string, overrides: Partial<JobSpec> = {}): JobSpec {
  return { id, settings, meta: { used: 'false' }, ...overrides };
}

/** Collects batches from a feed until `count` batches arrived, then aborts it. */
async function collect(backend: FakeBackend, fromIndex: number, count: number): Promise<BackendEvent[][]> {
  const controller = new AbortController();
  const batches: BackendEvent[][] = [];
  for await (const batch of backend.events(fromIndex, controller.signal)) {
    batches.push([...batch]);
    if (batches.length >= count) controller.abort();
  }
  return batches;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('FakeBackend jobs', () => {
  it('places a pending allocation for a new job and raises the index with every write', async () => {
    const backend = new FakeBackend();
    const { index, jobModifyIndex } = await backend.registerJob(job('1-a'));
    const allocations = await backend.jobAllocations('1-a');
    expect(allocations).toHaveLength(1);
    expect(allocations[0]).toMatchObject({ jobId: '1-a', clientStatus: 'pending', desiredStatus: 'run' });
    expect(allocations[0]!.createIndex).toBeGreaterThan(index);
    expect((await backend.readJob('1-a'))?.jobModifyIndex).toBe(jobModifyIndex);
    expect(backend.index).toBe(allocations[0]!.createIndex);
    expect(Object.isFrozen(allocations[0])).toBe(true);
  });

  it('keeps the allocation when only the meta changes and replaces it when the settings change', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('1-a'));
    const [first] = await backend.jobAllocations('1-a');
    await backend.registerJob(job('1-a', { meta: { used: 'true', timeout: '60' } }));
    expect((await backend.jobAllocations('1-a')).map((a) => a.id)).toEqual([first!.id]);
    expect((await backend.readJob('1-a'))?.meta).toEqual({ used: 'true', timeout: '60' });

    await backend.registerJob(job('1-a', { settings: { ...settings, image: 'python:3.13' } }));
    const [replacement, old] = await backend.jobAllocations('1-a');
    expect(replacement).toMatchObject({ clientStatus: 'pending', previousAllocationId: first!.id });
    expect(old).toMatchObject({ id: first!.id, desiredStatus: 'stop', nextAllocationId: replacement!.id });
  });

  it('rejects a register with a stale enforce index as a Conflict and accepts the current one', async () => {
    const backend = new FakeBackend();
    expect(hasErrorCode(await errorOf(backend.registerJob(job('1-a'), { enforceIndex: 5 })), 'Conflict')).toBe(true);
    const { jobModifyIndex } = await backend.registerJob(job('1-a'), { enforceIndex: 0 });
    expect(hasErrorCode(await errorOf(backend.registerJob(job('1-a'), { enforceIndex: 0 })), 'Conflict')).toBe(true);
    const meta = { used: 'true' };
    await backend.registerJob(job('1-a', { meta }), { enforceIndex: jobModifyIndex });
    const stale = backend.registerJob(job('1-a', { meta: { used: 'false' } }), { enforceIndex: jobModifyIndex });
    expect(errorCodeOf(await errorOf(stale))).toBe('Conflict');
    expect((await backend.readJob('1-a'))?.meta).toEqual(meta);
  });

  it('stops the allocations of a deregistered job, purges it, and succeeds for unknown jobs', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('1-a'));
    const from = backend.index;
    await backend.deregisterJob('1-a');
    await expect(backend.deregisterJob('1-a')).resolves.toEqual({ index: backend.index });
    expect(await backend.readJob('1-a')).toBeUndefined();
    expect((await backend.listAllocations('')).items).toHaveLength(0);
    const [batch] = await collect(backend, from, 1);
    expect(batch!.map((e) => e.topic).sort()).toEqual(['Allocation', 'Job']);
    const stopped = batch!.find((e) => e.topic === 'Allocation');
    expect(stopped).toMatchObject({ allocation: { clientStatus: 'complete', desiredStatus: 'stop' } });
  });

  it('lists jobs and allocations by prefix with the current index', async () => {
    const backend = new FakeBackend();
    for (const id of ['1-a', '10-b', 'template-1']) await backend.registerJob(job(id));
    const jobs = await backend.listJobs('1-');
    expect(jobs.items.map((j) => j.id)).toEqual(['1-a']);
    expect(jobs.index).toBe(backend.index);
    expect((await backend.listAllocations('')).items.map((a) => a.jobId).sort()).toEqual(['1-a', '10-b', 'template-1']);
    expect(backend.calls.listJobs).toBe(1);
    expect(backend.calls.listAllocations).toBe(1);
  });
});

describe('FakeBackend allocation controls', () => {
  it('starts placed allocations on the next tick with autoRun', async () => {
    const backend = new FakeBackend({ autoRun: true });
    await backend.registerJob(job('1-a'));
    expect((await backend.jobAllocations('1-a'))[0]?.clientStatus).toBe('pending');
    await backend.settled();
    expect((await backend.jobAllocations('1-a'))[0]?.clientStatus).toBe('running');
    expect((await backend.readJob('1-a'))?.status).toBe('running');
  });

  it('restarts an OOM-killed task in place with an OOM task event', async () => {
    const backend = new FakeBackend({ autoRun: true });
    await backend.registerJob(job('1-a'));
    await backend.settled();
    const killed = backend.oomKill('1-a');
    expect(killed).toMatchObject({ clientStatus: 'pending', restarts: 1 });
    expect(killed.taskEvents.some((e) => e.oomKilled === true && e.exitCode === 137)).toBe(true);
    await backend.settled();
    expect(await backend.jobAllocations('1-a')).toEqual([expect.objectContaining({ clientStatus: 'running' })]);
  });

  it('fails the allocation of an OOM-killed task that does not restart', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('1-a'));
    backend.setAllocationStatus('1-a', 'running');
    expect(backend.oomKill('1-a', { restart: false })).toMatchObject({ clientStatus: 'failed', taskState: 'dead' });
    expect((await backend.readJob('1-a'))?.status).toBe('dead');
  });

  it('replaces a rescheduled allocation with one that names its predecessor', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('1-a'));
    const original = backend.setAllocationStatus('1-a', 'running');
    const replacement = backend.reschedule('1-a');
    const [newest, old] = await backend.jobAllocations('1-a');
    expect(newest).toEqual(replacement);
    expect(replacement.previousAllocationId).toBe(original.id);
    expect(old).toMatchObject({ clientStatus: 'lost', desiredStatus: 'stop', nextAllocationId: replacement.id });
  });

  it('fails the next call of a method once, then serves it again', async () => {
    const backend = new FakeBackend();
    backend.failNext('listJobs');
    expect(errorCodeOf(await errorOf(backend.listJobs('')))).toBe('BackendUnavailable');
    await expect(backend.listJobs('')).resolves.toEqual({ items: [], index: 0 });
    expect(backend.calls.listJobs).toBe(2);
  });

  it('maps exposed ports of network-enabled jobs to host ports', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('1-a', { settings: { ...settings, networkAccess: true, exposedPorts: [8080] } }));
    const [alloc] = await backend.jobAllocations('1-a');
    expect(alloc?.ports).toEqual([expect.objectContaining({ label: '8080', to: 8080, hostIp: '127.0.0.1' })]);
  });
});

describe('FakeBackend event feed', () => {
  it('delivers events after the given index, in index order, one batch per index', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('1-a'));
    const from = backend.index;
    backend.setAllocationStatus('1-a', 'running');
    await backend.registerJob(job('1-b'));
    const batches = await collect(backend, from, 3);
    const indexes = batches.map((b) => b[0]!.index);
    expect(indexes).toEqual([from + 1, from + 2, from + 3]);
    for (const batch of batches) expect(new Set(batch.map((e) => e.index)).size).toBe(1);
  });

  it('starts from now for index 0 and streams live writes', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('1-a'));
    const batches = collect(backend, 0, 1);
    await new Promise((resolve) => setImmediate(resolve));
    await backend.registerJob(job('1-b'));
    const [first] = await batches;
    expect(first).toContainEqual(expect.objectContaining({ topic: 'Job', key: '1-b' }));
    expect(backend.openEventStreams).toBe(0);
  });

  it('reports a gap when the requested index fell out of the bounded buffer', async () => {
    const backend = new FakeBackend({ eventBufferSize: 2 });
    await backend.registerJob(job('1-a'));
    const from = backend.index;
    for (const status of ['running', 'failed', 'pending'] as const) backend.setAllocationStatus('1-a', status);
    const error = await errorOf(collect(backend, from, 1));
    expect(error).toMatchObject({ code: 'Conflict', details: { reason: 'gap' } });
    await expect(collect(backend, backend.index - 2, 2)).resolves.toHaveLength(2);
  });

  it('breaks open streams on restart and reports a gap for indexes before the restart', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('1-a'));
    const before = backend.index - 1;
    const open = collect(backend, backend.index, 1);
    await new Promise((resolve) => setImmediate(resolve));
    backend.restart();
    expect(errorCodeOf(await errorOf(open))).toBe('BackendUnavailable');
    expect(await errorOf(collect(backend, before, 1))).toMatchObject({ details: { reason: 'gap' } });
    const resumed = collect(backend, backend.index, 1);
    backend.setAllocationStatus('1-a', 'running');
    await expect(resumed).resolves.toHaveLength(1);
  });

  it('reports a gap when the index went backwards after a restart with an index reset', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('1-a'));
    const last = backend.index;
    backend.restart({ resetIndex: true });
    expect(backend.index).toBeLessThan(last);
    expect(await errorOf(collect(backend, last, 1))).toMatchObject({ code: 'Conflict', details: { reason: 'gap' } });
  });

  it('lets a consumer resume after a dropped stream without losing events', async () => {
    const backend = new FakeBackend();
    await backend.registerJob(job('template-1'));
    const from = backend.index;
    const open = collect(backend, from, 5);
    await new Promise((resolve) => setImmediate(resolve));
    backend.breakEventStreams();
    await expect(open).rejects.toMatchObject({ code: 'BackendUnavailable' });
    await backend.registerJob(job('1-a'));
    const batches = await collect(backend, from, 2);
    expect(batches.flat().map((e) => e.topic)).toEqual(expect.arrayContaining(['Job', 'Allocation']));
  });
});
