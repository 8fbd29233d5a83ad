import type { JobSpec } from '../../../reconcilers/ports';
import { canonicalJob } from '../../../hack/nomad-test-server/job-canonical';
import { defaultTemplateJob } from './job-template';
import { jobMetaToKeep } from './nomad-jobs';
import type { NomadJob } from './nomad-wire';
import { jobStateFromJob, jobStateFromStub } from './parse-job';
import { JOB_META_SETTINGS, renderJob, type RenderContext } from './render-job';

const context: RenderContext = {
  template: defaultTemplateJob(),
  namespace: 'poseidon',
  network: { mode: 'cni/secure-bridge' },
  disableForcePull: false,
};

const spec: JobSpec = {
  id: '12-6f04b525-5315-11ee-af32-fa163e079f19',
  settings: {
    image: 'python:3.12',
    cpuLimit: 60,
    memoryLimit: 256,
    networkAccess: false,
    exposedPorts: [],
    forcePull: true,
  },
  meta: { used: 'false', templateHash: 'abc' },
};

/** The job as Nomad would store and answer it. */
function stored(job: ReturnType<typeof renderJob>, index = 7): NomadJob {
  return {
    ...canonicalJob(job, 'poseidon'),
    CreateIndex: index,
    ModifyIndex: index,
    JobModifyIndex: index,
    Status: 'running',
  };
}

describe('rendering a job spec onto the template', () => {
  it('produces the original template structure: batch job, idle docker task, never-placed config group', () => {
    const job = renderJob(spec, context);
    expect(job).toMatchObject({ ID: spec.id, Name: spec.id, Namespace: 'poseidon', Type: 'batch' });
    const [group, config] = job.TaskGroups ?? [];
    expect(group).toMatchObject({
      Name: 'default-group',
      Count: 1,
      Networks: [],
      RestartPolicy: { Attempts: 3, Mode: 'fail' },
      ReschedulePolicy: { Attempts: 3, Unlimited: false, DelayFunction: 'exponential' },
      Spreads: [{ Attribute: '${node.unique.name}', Weight: 100 }],
    });
    expect(group?.Tasks?.[0]).toMatchObject({
      Name: 'default-task',
      Driver: 'docker',
      Config: { image: 'python:3.12', command: 'sleep', args: ['infinity'], network_mode: 'none', force_pull: true },
      Resources: { CPU: 60, MemoryMB: 50, MemoryMaxMB: 256 },
    });
    expect(config).toMatchObject({ Name: 'config', Count: 0, Meta: { used: 'false', templateHash: 'abc' } });
  });

  it('maps network access to the configured group network with one dynamic port per exposed port', () => {
    const job = renderJob(
      { ...spec, settings: { ...spec.settings, networkAccess: true, exposedPorts: [8080, 22] } },
      context,
    );
    const group = job.TaskGroups?.[0];
    expect(group?.Networks).toEqual([
      {
        Mode: 'cni/secure-bridge',
        DynamicPorts: [
          { Label: '22', To: 22 },
          { Label: '8080', To: 8080 },
        ],
      },
    ]);
    expect(group?.Tasks?.[0]?.Config).toMatchObject({ network_mode: '' });
  });

  it('never sets force_pull when force pulling is disabled, and lowers the reservation under a small limit', () => {
    const job = renderJob(
      { ...spec, settings: { ...spec.settings, memoryLimit: 30 } },
      { ...context, disableForcePull: true },
    );
    const task = job.TaskGroups?.[0]?.Tasks?.[0];
    expect(task?.Config).not.toHaveProperty('force_pull');
    expect(task?.Resources).toMatchObject({ MemoryMB: 30, MemoryMaxMB: 30 });
  });

  it('adds the groups and tasks a custom template lacks', () => {
    const job = renderJob(spec, { ...context, template: { ID: 'custom', Datacenters: ['eu'], TaskGroups: [] } });
    expect(job.Datacenters).toEqual(['eu']);
    expect(job.TaskGroups?.map((g) => g.Name)).toEqual(['default-group', 'config']);
  });

  it('reads the spec back from the job Nomad stores, and from the list stub of a fresh job', () => {
    const job = stored(renderJob(spec, context));
    const fromJob = jobStateFromJob(job);
    expect(fromJob).toMatchObject({ id: spec.id, settings: spec.settings, meta: spec.meta, status: 'running' });
    const stub = { ...job, Meta: job.Meta ?? undefined } as unknown as Parameters<typeof jobStateFromStub>[0];
    expect(jobStateFromStub(stub)).toEqual({ ...fromJob, version: 0 });
  });

  it('does not trust a stub whose definition changed after creation, nor one without this project meta', () => {
    const job = stored(renderJob(spec, context));
    const changed = { ...job, JobModifyIndex: 9 } as unknown as Parameters<typeof jobStateFromStub>[0];
    expect(jobStateFromStub(changed)).toBeUndefined();
    const foreign = { ...job, Meta: undefined } as unknown as Parameters<typeof jobStateFromStub>[0];
    expect(jobStateFromStub(foreign)).toBeUndefined();
  });
});

describe('job-level meta on re-registration', () => {
  it('keeps the job-level meta when only the config meta changes, so the allocation is not replaced', () => {
    const current = stored(renderJob(spec, context));
    const claimed = { ...spec, meta: { ...spec.meta, used: 'true', timeout: '60' } };
    const keep = jobMetaToKeep(current, claimed);
    expect(keep).toEqual(current.Meta);
    const job = renderJob(claimed, context, keep);
    expect(job.Meta).toEqual(current.Meta);
    expect(job.TaskGroups?.[1]?.Meta).toEqual(claimed.meta);
  });

  it('renders fresh job-level meta when the task settings change (the allocation is replaced anyway)', () => {
    const current = stored(renderJob(spec, context));
    const changed = { ...spec, settings: { ...spec.settings, image: 'python:3.13' } };
    expect(jobMetaToKeep(current, changed)).toBeUndefined();
    expect(renderJob(changed, context).Meta?.[JOB_META_SETTINGS]).toContain('python:3.13');
  });

  it('keeps whatever meta a job of the original service has', () => {
    const current = { ...stored(renderJob(spec, context)), Meta: null };
    expect(jobMetaToKeep(current, spec)).toEqual({});
  });
});
