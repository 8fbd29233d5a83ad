import { eventually } from '../../../test/support/eventually';
import { consumeFeed, runnerSpec, startNomadFixture, type NomadFixture } from './nomad-test-harness';

const fast = {
  eventIdleTimeoutMs: 250,
  eventBackoffMs: { initial: 10, max: 40 },
  eventMaxOutageMs: 2000,
};

describe('the Nomad event feed', () => {
  let fixture: NomadFixture;
  afterEach(async () => fixture.close());

  async function start(serverOptions = {}, backendOptions = {}) {
    fixture = await startNomadFixture(
      { runtime: 'mock', heartbeatMs: 50, ...serverOptions },
      { ...fast, ...backendOptions },
    );
    return fixture;
  }

  it('delivers job, allocation and evaluation events of this project only, in index order', async () => {
    const { backend, server } = await start();
    const feed = consumeFeed(backend, 0);
    await eventually(() => (server.requests.get('streamEvents') ?? 0) >= 1);
    const spec = runnerSpec();
    await backend.registerJob(spec);
    server.registerJob({
      Job: { ID: 'web', TaskGroups: [{ Name: 'web', Tasks: [{ Name: 'app', Driver: 'docker' }] }] },
    });
    await eventually(() =>
      feed.events().some((e) => e.topic === 'Allocation' && e.allocation.clientStatus === 'running'),
    );
    await feed.stop();
    const events = feed.events();
    expect(new Set(events.map((e) => e.topic))).toEqual(new Set(['Job', 'Allocation', 'Evaluation']));
    expect(
      events.every(
        (e) => (e.topic === 'Allocation' ? e.allocation.jobId : e.topic === 'Job' ? e.key : e.jobId) === spec.id,
      ),
    ).toBe(true);
    const indexes = feed.batches.map((batch) => batch[0]?.index ?? 0);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(server.violations).toEqual([]);
  });

  it('resumes after the connection drops, without losing or repeating an event', async () => {
    const { backend, server } = await start();
    const feed = consumeFeed(backend, 0);
    const first = runnerSpec();
    await backend.registerJob(first);
    await eventually(() => feed.events().some((e) => e.topic === 'Job' && e.key === first.id));
    server.dropEventStreams();
    const second = runnerSpec();
    await backend.registerJob(second);
    await eventually(() =>
      feed
        .events()
        .some(
          (e) =>
            e.topic === 'Allocation' && e.allocation.jobId === second.id && e.allocation.clientStatus === 'running',
        ),
    );
    await feed.stop();
    expect(feed.error).toBeUndefined();
    const indexes = feed.batches.map((batch) => batch[0]?.index ?? 0);
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(server.requests.get('streamEvents')).toBeGreaterThanOrEqual(2);
    const seen = new Set(feed.events().map((e) => e.index));
    const published = [...server.state.allocs.values()].filter((a) => a.JobID === second.id).map((a) => a.ModifyIndex);
    expect(published.every((index) => seen.has(index))).toBe(true);
  });

  it('reports a gap when the server lost its event buffer', async () => {
    const { backend, server } = await start();
    const feed = consumeFeed(backend, 0);
    await backend.registerJob(runnerSpec());
    await eventually(() => feed.batches.length > 0);
    await server.restartServer({ wipe: false });
    await backend.registerJob(runnerSpec());
    await eventually(() => feed.error !== undefined);
    expect(feed.error).toMatchObject({ code: 'Conflict', details: { reason: 'gap', cause: 'buffer-lost' } });
  });

  it('reports a gap when the index went backwards (a wiped server)', async () => {
    const { backend, server } = await start();
    const feed = consumeFeed(backend, 0);
    for (let i = 0; i < 3; i += 1) await backend.registerJob(runnerSpec());
    await eventually(() => feed.batches.length >= 3);
    await server.restartServer({ wipe: true });
    await backend.registerJob(runnerSpec());
    await eventually(() => feed.error !== undefined);
    expect(feed.error).toMatchObject({ code: 'Conflict', details: { reason: 'gap', cause: 'index-reset' } });
  });

  it('reports a gap when its last index fell out of a small buffer while it could not reconnect', async () => {
    const { backend, server } = await start({ eventBufferSize: 4 });
    const feed = consumeFeed(backend, 0);
    await backend.registerJob(runnerSpec());
    await eventually(() => feed.batches.length > 0);
    server.failRequests({ path: '^/v1/event/stream', count: 1_000_000 });
    server.dropEventStreams();
    for (let i = 0; i < 5; i += 1) await backend.registerJob(runnerSpec());
    await server.settled();
    server.resetFaults();
    await eventually(() => feed.error !== undefined);
    expect(feed.error).toMatchObject({ code: 'Conflict', details: { reason: 'gap', cause: 'buffer-lost' } });
  });

  it('reports a gap when it reconnects from a list index whose entry fell out of the buffer meanwhile', async () => {
    const { backend, server } = await start({ eventBufferSize: 4 });
    await backend.registerJob(runnerSpec());
    await server.settled();
    const { index } = await backend.listJobs('');
    server.failRequests({ path: '^/v1/event/stream', count: 1_000_000 });
    const feed = consumeFeed(backend, index);
    await eventually(() => (server.requests.get('streamEvents') ?? 0) >= 1);
    for (let i = 0; i < 5; i += 1) await backend.registerJob(runnerSpec());
    await server.settled();
    server.resetFaults();
    await eventually(() => feed.error !== undefined);
    expect(feed.error).toMatchObject({ code: 'Conflict', details: { reason: 'gap', cause: 'buffer-lost' } });
  });

  it('resumes a quiet stream from its list index without a gap when nothing was lost', async () => {
    const { backend, server } = await start();
    const first = runnerSpec();
    await backend.registerJob(first);
    await server.settled();
    const { index } = await backend.listJobs('');
    const feed = consumeFeed(backend, index);
    await eventually(() => (server.requests.get('streamEvents') ?? 0) >= 1);
    server.dropEventStreams();
    const second = runnerSpec();
    await backend.registerJob(second);
    await eventually(() => feed.events().some((e) => e.topic === 'Job' && e.key === second.id));
    await feed.stop();
    expect(feed.error).toBeUndefined();
  });

  it('reconnects when the stream goes silent and then delivers what happened meanwhile', async () => {
    const { backend, server } = await start();
    const feed = consumeFeed(backend, 0);
    await backend.registerJob(runnerSpec());
    await eventually(() => feed.batches.length > 0);
    server.stallEventStreams(true);
    const spec = runnerSpec();
    await backend.registerJob(spec);
    const before = server.requests.get('streamEvents') ?? 0;
    await eventually(() => (server.requests.get('streamEvents') ?? 0) >= before + 2, { timeoutMs: 3000 });
    expect(feed.events().some((e) => e.topic === 'Job' && e.key === spec.id)).toBe(false);
    server.stallEventStreams(false);
    await eventually(() => feed.events().some((e) => e.topic === 'Job' && e.key === spec.id));
    await feed.stop();
    expect(feed.error).toBeUndefined();
  });

  it('ends with BackendUnavailable when Nomad stays unreachable past the outage limit', async () => {
    const { backend, server } = await start({}, { eventMaxOutageMs: 300 });
    const feed = consumeFeed(backend, 0);
    await eventually(() => (server.requests.get('streamEvents') ?? 0) >= 1);
    await server.close();
    await eventually(() => feed.error !== undefined, { timeoutMs: 3000 });
    expect(feed.error).toMatchObject({ code: 'BackendUnavailable' });
  });
});
