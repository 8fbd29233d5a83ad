import pino from 'pino';
import { defaultTemplateJob } from './job-template';
import { createNomadBackend } from './nomad-backend';
import { runnerSpec, startNomadFixture, type NomadFixture } from './nomad-test-harness';
import { renderJob, type RenderContext } from './render-job';

const RUNNERS = 10_000;
const CLAIMED = 100;
const ORIGINAL = 20;

const context: RenderContext = {
  template: defaultTemplateJob(),
  namespace: 'default',
  network: { mode: 'bridge' },
  disableForcePull: false,
};

describe('recovering 10,000 runner jobs', () => {
  let fixture: NomadFixture;
  const claimed = new Set<string>();
  const original = new Set<string>();

  beforeAll(async () => {
    fixture = await startNomadFixture({ runtime: 'mock', validateResponses: false });
    const { server, backend } = fixture;
    for (let i = 0; i < RUNNERS; i += 1) server.registerJob({ Job: renderJob(runnerSpec(i % 40), context) });
    for (let i = 0; i < ORIGINAL; i += 1) {
      // Jobs of the original Go service: the claim lives only in the config group, no job-level meta.
      const spec = runnerSpec(7);
      server.registerJob({
        Job: { ...renderJob({ ...spec, meta: { used: 'true', timeout: '30' } }, context), Meta: null },
      });
      original.add(spec.id);
    }
    await server.settled();
    const runnerIds = [...server.state.jobs.values()].map((job) => job.ID).filter((id) => !original.has(id));
    for (const id of runnerIds.slice(0, CLAIMED)) {
      const job = await backend.readJob(id);
      if (!job) throw new Error(`missing ${id}`);
      await backend.registerJob({ ...job, meta: { ...job.meta, used: 'true', timeout: '60' } });
      claimed.add(id);
    }
    await server.settled();
  }, 120_000);
  afterAll(async () => fixture.close());

  it('takes one list call, reading only claimed jobs and jobs of the original service', async () => {
    const { server, backend } = fixture;
    server.resetStats();
    const { items } = await backend.listJobs('');
    expect(items).toHaveLength(RUNNERS + ORIGINAL);
    expect(server.requests.get('listJobs')).toBe(1);
    expect(server.requests.get('readJob')).toBe(CLAIMED + ORIGINAL);
    const used = items.filter((job) => job.meta.used === 'true').map((job) => job.id);
    expect(new Set(used)).toEqual(new Set([...claimed, ...original]));
    expect(items.find((job) => claimed.has(job.id))?.meta).toMatchObject({ used: 'true', timeout: '60' });
    expect(items.every((job) => job.settings.image === 'debian:12' && job.status === 'running')).toBe(true);
  });

  it('takes one list call per page when paging', async () => {
    const { server } = fixture;
    const paged = createNomadBackend({ address: server.url, listPageSize: 2500, logger: pino({ level: 'silent' }) });
    try {
      server.resetStats();
      const { items } = await paged.listJobs('');
      expect(items).toHaveLength(RUNNERS + ORIGINAL);
      expect(server.requests.get('listJobs')).toBe(Math.ceil((RUNNERS + ORIGINAL) / 2500));
    } finally {
      await paged.stop();
    }
  });

  it('lists every allocation in one call', async () => {
    const { server, backend } = fixture;
    server.resetStats();
    const { items } = await backend.listAllocations('');
    expect(items).toHaveLength(RUNNERS + ORIGINAL);
    expect(server.requests.get('listAllocations')).toBe(1);
  });
});
