import { initialTransition, transition } from 'xstate';
import { envSpec, jobState, storedEnvironment } from '../../test/reconcilers/support/reconciler-builders';
import type { Condition } from '../../crds/meta';
import type { WriteEnvironmentStatusStep } from '../shared/steps';
import { renderTemplateJob } from '../template/render-template';
import { templateDigest, type EnvironmentFacts } from './environment-facts';
import { environmentMachine } from './environment-machine';
import { planEnvironment } from './plan-environment';

const NOW = Date.UTC(2025, 0, 2);
const spec = envSpec(5, { prewarmingPoolSize: 4 });
const template = renderTemplateJob(spec);

function facts(overrides: Partial<EnvironmentFacts> = {}): EnvironmentFacts {
  return {
    environmentId: 5,
    environment: storedEnvironment(spec, { generation: 3, resourceVersion: '9' }),
    template,
    templateJob: jobState(template, 'running'),
    statistics: { id: 5, prewarmingPoolSize: 4, idleRunners: 4, usedRunners: 1 },
    depletionThreshold: 0.5,
    now: NOW,
    pendingWrites: [],
    ...overrides,
  };
}

function conditions(plan: ReturnType<typeof planEnvironment>): Record<string, Partial<Condition>> {
  const step = plan.steps.find((s): s is WriteEnvironmentStatusStep => s.kind === 'writeEnvironmentStatus');
  return Object.fromEntries(
    (step?.status.conditions ?? []).map((c) => [c.type, { status: c.status, reason: c.reason }]),
  );
}

describe('the environment machine', () => {
  it('settles in the ready state for a running template and a full pool', () => {
    const [initial] = initialTransition(environmentMachine, facts());
    const [next] = transition(environmentMachine, initial, { type: 'observe' });
    expect(next.value).toBe('ready');
  });
});

describe('planEnvironment', () => {
  it('registers a missing template job and reports Progressing', () => {
    const plan = planEnvironment(facts({ templateJob: undefined }));
    expect(plan.state).toBe('registering');
    expect(plan.steps[0]).toEqual({
      kind: 'registerJob',
      object: 'TemplateJob',
      job: template,
      exists: false,
      expectation: templateDigest(template.meta),
    });
    expect(conditions(plan).Progressing).toEqual({ status: 'True', reason: 'TemplateRegistering' });
  });

  it('registers the template again only when its hash or pool size meta differ', () => {
    const outdated = jobState({ ...template, meta: { ...template.meta, templateHash: 'old' } });
    expect(planEnvironment(facts({ templateJob: outdated })).state).toBe('updating');
    const resized = jobState({ ...template, meta: { ...template.meta, prewarmingPoolSize: '1' } });
    const resizePlan = planEnvironment(facts({ templateJob: resized }));
    expect(resizePlan.state).toBe('ready');
    expect(resizePlan.steps.map((s) => s.kind)).toEqual(['registerJob', 'writeEnvironmentStatus']);
    const edited = jobState({ ...template, settings: { ...template.settings, cpuLimit: 999 } });
    expect(planEnvironment(facts({ templateJob: edited })).steps.map((s) => s.kind)).toEqual([
      'writeEnvironmentStatus',
    ]);
  });

  it('does not repeat a template write the cache has not shown yet', () => {
    const plan = planEnvironment(facts({ templateJob: undefined, pendingWrites: [templateDigest(template.meta)] }));
    expect(plan.steps.map((s) => s.kind)).toEqual(['writeEnvironmentStatus']);
  });

  it('writes observedGeneration, revision, counts and Ready once, then nothing', () => {
    const plan = planEnvironment(facts());
    const step = plan.steps[0] as WriteEnvironmentStatusStep;
    expect(step).toMatchObject({ name: 'environment-5', resourceVersion: '9' });
    expect(step.status).toMatchObject({
      observedGeneration: 3,
      templateRevision: template.meta.templateHash,
      idleRunners: 4,
      usedRunners: 1,
      desiredIdleRunners: 4,
    });
    expect(conditions(plan)).toEqual({
      Ready: { status: 'True', reason: 'PoolReady' },
      Progressing: { status: 'False', reason: 'Converged' },
      Degraded: { status: 'False', reason: 'AsExpected' },
    });
    const written = storedEnvironment(spec, { generation: 3, resourceVersion: '10' });
    const again = planEnvironment(facts({ environment: { ...written, status: step.status } }));
    expect(again.steps).toEqual([]);
  });

  it('marks the pool Degraded as PoolDepleting below the threshold and keeps the transition time while it stays', () => {
    const low = { id: 5, prewarmingPoolSize: 4, idleRunners: 1, usedRunners: 3 };
    const plan = planEnvironment(facts({ statistics: low }));
    expect(plan.state).toBe('depleting');
    expect(conditions(plan).Degraded).toEqual({ status: 'True', reason: 'PoolDepleting' });
    const status = (plan.steps[0] as WriteEnvironmentStatusStep).status;
    const later = planEnvironment(
      facts({
        environment: { ...storedEnvironment(spec, { generation: 3 }), status },
        statistics: { ...low, usedRunners: 2 },
        now: NOW + 60000,
      }),
    );
    const degraded = (later.steps[0] as WriteEnvironmentStatusStep).status.conditions?.find(
      (c) => c.type === 'Degraded',
    );
    expect(degraded?.lastTransitionTime).toBe(new Date(NOW).toISOString());
  });

  it('reports a dead template job as Degraded TemplateFailed and a pending one as starting', () => {
    expect(conditions(planEnvironment(facts({ templateJob: jobState(template, 'dead') }))).Degraded).toEqual({
      status: 'True',
      reason: 'TemplateFailed',
    });
    expect(planEnvironment(facts({ templateJob: jobState(template, 'pending') })).state).toBe('starting');
  });

  it('deregisters its own template job when the spec is gone, and leaves a foreign one for adoption', () => {
    const gone = { environment: undefined, template: undefined, statistics: undefined };
    expect(planEnvironment(facts(gone)).steps).toEqual([
      { kind: 'deregisterJob', object: 'TemplateJob', jobId: 'template-5' },
    ]);
    const foreign = jobState({ id: 'template-5', settings: template.settings, meta: { prewarmingPoolSize: '2' } });
    expect(planEnvironment(facts({ ...gone, templateJob: foreign }))).toEqual({ state: 'absent', steps: [] });
  });
});
