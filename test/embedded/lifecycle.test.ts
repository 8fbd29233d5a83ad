/**
 * Jobs, allocations and the event feed of the embedded backend: every lifecycle change as Nomad-shaped events with
 * increasing indexes, check-and-set, replacement and removal of sandboxes, observed failures, and state surviving a
 * restart of the backend object.
 */
import { existsSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { AllocationState, BackendEvent } from '../../reconcilers/ports';
import { compileOptions } from '../../controllers/backends/embedded/embedded-options';
import { eventually } from '../support/eventually';
import { bash, collect, runnerJob, startHarness, type Harness } from './embedded-harness';
import { processesOfAllocation } from './processes';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ eventBufferSize: 64, supervisionIntervalMs: 50 });
});
afterAll(async () => {
  await h?.destroy();
});

const job = (n: number): string => `3-00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Collects events from `fromIndex` until `until` matches one. */
async function eventsUntil(fromIndex: number, until: (event: BackendEvent) => boolean): Promise<BackendEvent[]> {
  const controller = new AbortController();
  const seen: BackendEvent[] = [];
  try {
    for await (const batch of h.backend.events(fromIndex, controller.signal)) {
      seen.push(...batch);
      if (batch.some(until)) break;
    }
  } finally {
    controller.abort();
  }
  return seen;
}

function aboutJob(event: BackendEvent): string {
  if (event.topic === 'Allocation') return event.allocation.jobId;
  return event.topic === 'Job' ? event.key : event.jobId;
}

async function newest(jobId: string): Promise<AllocationState | undefined> {
  return (await h.backend.jobAllocations(jobId))[0];
}

async function running(jobId: string): Promise<AllocationState> {
  return eventually(async () => {
    const allocation = await newest(jobId);
    return allocation?.clientStatus === 'running' ? allocation : false;
  });
}

describe('the event feed', () => {
  it('reports register, running, meta update, settings change and deregister with increasing indexes', async () => {
    const id = job(1);
    const { index: start } = await h.backend.listJobs('');
    const collected = eventsUntil(start, (event) => event.topic === 'Job' && event.type === 'JobDeregistered');
    const first = await h.backend.registerJob(runnerJob(id), { enforceIndex: 0 });
    const original = await running(id);
    const meta = await h.backend.registerJob(runnerJob(id, {}, { used: 'true' }), {
      enforceIndex: first.jobModifyIndex,
    });
    expect((await newest(id))?.id).toBe(original.id);
    await h.backend.registerJob(runnerJob(id, { memoryLimit: 64 }, { used: 'true' }), {
      enforceIndex: meta.jobModifyIndex,
    });
    const replacement = await running(id);
    await h.backend.deregisterJob(id);
    const events = (await collected).filter((event) => aboutJob(event) === id);

    const indexes = events.map((event) => event.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(indexes[0]).toBeGreaterThan(start);
    const story = events.map((event) =>
      event.topic === 'Allocation'
        ? `${event.allocation.id === original.id ? 'old' : 'new'}:${event.allocation.clientStatus}/${event.allocation.desiredStatus}`
        : event.topic === 'Job'
          ? `job:${event.type}:${event.job?.status}`
          : `eval:${event.type}`,
    );
    expect(story).toEqual([
      'job:JobRegistered:pending',
      'eval:JobRegistered',
      'old:pending/run',
      'eval:PlanResult',
      'old:running/run',
      'job:JobRegistered:running',
      'job:JobRegistered:running',
      'eval:JobRegistered',
      'job:JobRegistered:running',
      'eval:JobRegistered',
      'old:complete/stop',
      'new:pending/run',
      'eval:PlanResult',
      'job:JobRegistered:pending',
      'new:running/run',
      'job:JobRegistered:running',
      'new:complete/stop',
      'job:JobDeregistered:dead',
      'eval:JobDeregistered',
    ]);
    expect(replacement.previousAllocationId).toBe(original.id);
  });

  it('replays from an index and reports a gap for an index the buffer no longer holds', async () => {
    const { index } = await h.backend.listJobs('');
    await h.backend.registerJob({ id: 'template-301', settings: runnerJob('x').settings, meta: {} });
    const replayed = await eventsUntil(index, (event) => event.topic === 'Evaluation' && event.type === 'PlanResult');
    expect(replayed[0]).toMatchObject({ topic: 'Job', type: 'JobRegistered', key: 'template-301' });
    for (let n = 0; n < 40; n++)
      await h.backend.registerJob({ id: `template-${400 + n}`, settings: runnerJob('x').settings, meta: {} });
    await h.backend.settled();
    await expect(eventsUntil(index, () => true)).rejects.toMatchObject({
      code: 'Conflict',
      details: { reason: 'gap' },
    });
    await expect(eventsUntil((await h.backend.listJobs('')).index + 5, () => true)).rejects.toMatchObject({
      details: { reason: 'gap' },
    });
  });
});

describe('jobs', () => {
  it('rejects a stale enforceIndex with Conflict and changes nothing', async () => {
    const id = job(2);
    const { jobModifyIndex } = await h.backend.registerJob(runnerJob(id), { enforceIndex: 0 });
    await h.backend.registerJob(runnerJob(id, {}, { used: 'true' }), { enforceIndex: jobModifyIndex });
    await expect(
      h.backend.registerJob(runnerJob(id, {}, { used: 'false' }), { enforceIndex: jobModifyIndex }),
    ).rejects.toMatchObject({ code: 'Conflict' });
    await expect(h.backend.registerJob(runnerJob(id), { enforceIndex: 0 })).rejects.toMatchObject({ code: 'Conflict' });
    expect((await h.backend.readJob(id))?.meta).toEqual({ used: 'true' });
  });

  it('rejects malformed specs with Invalid', async () => {
    await expect(h.backend.registerJob(runnerJob('../escape'))).rejects.toMatchObject({ code: 'Invalid' });
    expect(existsSync(path.join(h.stateDir, 'escape.json'))).toBe(false);
  });

  it('stops the old allocation on a settings change: its executions end with RunnerGone and its files go', async () => {
    const id = job(3);
    await h.backend.registerJob(runnerJob(id));
    const old = await running(id);
    await bash(h.backend, id, 'echo data > /workspace/file');
    const execution = await h.backend.exec({ jobId: id, command: ['sleep', '600'], privileged: false, tty: false });
    void collect(execution.stdout);
    await h.backend.registerJob(runnerJob(id, { memoryLimit: 100 }));
    await expect(execution.exited).rejects.toMatchObject({ code: 'RunnerGone', details: { cause: 'rescheduled' } });
    await running(id);
    await eventually(() => !existsSync(path.join(h.stateDir, 'allocations', old.id)));
    expect(processesOfAllocation(old.id)).toEqual([]);
    expect((await bash(h.backend, id, 'ls -A /workspace')).stdout).toBe('');
  });

  it('deregister kills executions, removes the sandbox and purges the job; it is idempotent', async () => {
    const id = job(4);
    await h.backend.registerJob(runnerJob(id));
    const allocation = await running(id);
    const execution = await h.backend.exec({ jobId: id, command: ['sleep', '600'], privileged: false, tty: true });
    void collect(execution.stdout);
    await h.backend.deregisterJob(id);
    await expect(execution.exited).rejects.toMatchObject({ code: 'RunnerGone', details: { cause: 'deregistered' } });
    expect(existsSync(path.join(h.stateDir, 'allocations', allocation.id))).toBe(false);
    expect(processesOfAllocation(allocation.id)).toEqual([]);
    expect(await h.backend.readJob(id)).toBeUndefined();
    expect(await h.backend.jobAllocations(id)).toEqual([]);
    await expect(h.backend.deregisterJob(id)).resolves.toEqual({ index: expect.any(Number) });
    await expect(h.backend.exec({ jobId: id, command: ['true'], privileged: false, tty: false })).rejects.toMatchObject(
      { code: 'RunnerGone' },
    );
  });

  it('lists jobs and allocations by prefix in one call with the current index', async () => {
    const ids = [job(5), job(6)];
    await Promise.all(ids.map((id) => h.backend.registerJob(runnerJob(id))));
    const jobs = await h.backend.listJobs('3-');
    const allocations = await h.backend.listAllocations('3-');
    expect(jobs.items.map((j) => j.id)).toEqual(expect.arrayContaining(ids));
    expect(allocations.items.filter((a) => ids.includes(a.jobId))).toHaveLength(2);
    expect(jobs.index).toBeGreaterThan(0);
    expect((await h.backend.listJobs('nothing-')).items).toEqual([]);
  });
});

describe('metrics', () => {
  it('are registered in the registry the caller passed in', async () => {
    const id = job(9);
    await h.backend.registerJob(runnerJob(id));
    await running(id);
    await bash(h.backend, id, 'true');
    const text = await h.registry.metrics();
    expect(text).toMatch(/poseidon_embedded_allocations\{client_status="running"\} [1-9]/);
    await eventually(async () =>
      expect(await h.registry.metrics()).toMatch(
        /poseidon_embedded_executions_total\{tty="false",outcome="exited"\} [1-9]/,
      ),
    );
  });
});

/** Removes the allocation's cgroups behind the backend's back (they are empty while nothing runs). */
function removeCgroups(harness: Harness, allocationId: string): void {
  const { instanceTag } = compileOptions(harness.options);
  const dirs =
    harness.backend.cgroups === 'v1'
      ? ['memory', 'cpu', 'pids'].map(
          (controller) => `/sys/fs/cgroup/${controller}/poseidon-${instanceTag}/${allocationId}`,
        )
      : [`/sys/fs/cgroup/poseidon-${instanceTag}/${allocationId}`];
  for (const dir of dirs) rmdirSync(dir);
}

describe('observed failures', () => {
  it('fails the allocation when its cgroups are removed, found by supervision or by the next execution', async () => {
    if (h.backend.cgroups === 'none') return;
    const watched = job(10);
    await h.backend.registerJob(runnerJob(watched));
    removeCgroups(h, (await running(watched)).id);
    const failed = await eventually(async () => {
      const current = await newest(watched);
      return current?.clientStatus === 'failed' ? current : false;
    });
    expect(failed.taskEvents.at(-2)?.message).toContain('cgroups were removed');

    const quiet = await startHarness({ supervisionIntervalMs: 0 });
    try {
      const id = job(11);
      await quiet.backend.registerJob(runnerJob(id));
      await quiet.backend.settled();
      const [allocation] = await quiet.backend.jobAllocations(id);
      removeCgroups(quiet, allocation?.id ?? '');
      await expect(
        quiet.backend.exec({ jobId: id, command: ['true'], privileged: false, tty: false }),
      ).rejects.toMatchObject({ code: 'RunnerGone', details: { cause: 'stoppedUnexpectedly' } });
      expect((await quiet.backend.jobAllocations(id))[0]?.clientStatus).toBe('failed');
    } finally {
      await quiet.destroy();
    }
  });

  it('fails the allocation when its workspace is deleted, and executions then lose the runner', async () => {
    const id = job(7);
    await h.backend.registerJob(runnerJob(id));
    const allocation = await running(id);
    rmSync(path.join(h.stateDir, 'allocations', allocation.id, 'workspace'), { recursive: true, force: true });
    const failed = await eventually(async () => {
      const current = await newest(id);
      return current?.clientStatus === 'failed' ? current : false;
    });
    expect(failed.taskEvents.map((event) => event.type).slice(-2)).toEqual(['Terminated', 'Not Restarting']);
    expect((await h.backend.readJob(id))?.status).toBe('dead');
    await expect(h.backend.exec({ jobId: id, command: ['true'], privileged: false, tty: false })).rejects.toMatchObject(
      { code: 'RunnerGone', details: { cause: 'stoppedUnexpectedly' } },
    );
  });
});

describe('a restart of the backend object', () => {
  it('keeps jobs, running allocations, meta and workspace files; older indexes become a gap', async () => {
    const id = job(8);
    await h.backend.registerJob(runnerJob(id, {}, { used: 'true', timeout: '60' }));
    const allocation = await running(id);
    await bash(h.backend, id, 'echo persisted > /workspace/kept');
    const execution = await h.backend.exec({ jobId: id, command: ['sleep', '600'], privileged: false, tty: false });
    void collect(execution.stdout);
    const { index: before } = await h.backend.listJobs('');
    await h.backend.stop();
    await expect(execution.exited).rejects.toMatchObject({ code: 'BackendUnavailable' });
    expect(processesOfAllocation(allocation.id)).toEqual([]);

    const backend = await h.reopen();
    const { items, index: after } = await backend.listJobs(id);
    expect(items).toEqual([expect.objectContaining({ id, meta: { used: 'true', timeout: '60' }, status: 'running' })]);
    expect(after).toBeGreaterThan(before);
    expect((await backend.jobAllocations(id))[0]).toMatchObject({ id: allocation.id, clientStatus: 'running' });
    expect((await bash(backend, id, 'cat /workspace/kept')).stdout).toBe('persisted\n');
    await expect(eventsUntil(before, () => true)).rejects.toMatchObject({ details: { reason: 'gap' } });
    const next = eventsUntil(after, (event) => event.key === id);
    await backend.registerJob(runnerJob(id, {}, { used: 'false' }));
    expect((await next)[0]?.index).toBeGreaterThan(after);
  });
});
