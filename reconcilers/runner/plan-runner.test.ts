import { initialTransition, transition } from 'xstate';
import {
  allocation,
  envSpec,
  jobState,
  runnerId,
  storedEnvironment,
  storedRunner,
} from '../../test/reconcilers/support/reconciler-builders';
import type { JobState } from '../ports';
import { renderRunnerJob, renderTemplateJob } from '../template/render-template';
import { assessAllocations } from './allocation-facts';
import { planRunner } from './plan-runner';
import { REGISTER_EXPECTATION, type RunnerFacts } from './runner-facts';
import { runnerMachine } from './runner-machine';

const NOW = Date.UTC(2025, 0, 1, 12);
const ID = runnerId(4, 1);
const environment = storedEnvironment(envSpec(4, { networkAccess: true, exposedPorts: [8080] }));
const template = renderTemplateJob(environment.spec);
const revision = template.meta.templateHash as string;
const claim = { inactivityTimeout: 60, claimedAt: '2025-01-01T11:59:00.000Z' };

function facts(overrides: Partial<RunnerFacts> = {}): RunnerFacts {
  const runner = 'runner' in overrides ? overrides.runner : storedRunner(ID, 4, revision);
  const job = 'job' in overrides ? overrides.job : undefined;
  return {
    runnerId: ID,
    runner,
    environment,
    template,
    currentRevision: revision,
    job,
    allocation: { kind: 'none' },
    now: NOW,
    deadline: undefined,
    pendingWrites: [],
    pendingExpiry: undefined,
    ...overrides,
  };
}

function runningJob(spec = storedRunner(ID, 4, revision).spec): {
  job: JobState;
  allocation: RunnerFacts['allocation'];
} {
  const job = jobState(renderRunnerJob(template, ID, spec));
  const alloc = allocation(ID, 'running', { ports: [{ label: '8080', value: 23456, to: 8080, hostIp: '10.0.0.5' }] });
  return { job, allocation: assessAllocations(job, [alloc]) };
}

describe('the runner machine', () => {
  it('starts unobserved and settles in the state the facts imply on observe', () => {
    const [initial] = initialTransition(runnerMachine, facts());
    expect(initial.value).toBe('unobserved');
    const [next] = transition(runnerMachine, initial, { type: 'observe' });
    expect(next.value).toBe('registering');
    expect(next.status).toBe('done');
  });
});

describe('planRunner', () => {
  it('registers the job of a new runner from the current template', () => {
    const plan = planRunner(facts());
    expect(plan.state).toBe('registering');
    expect(plan.steps).toEqual([
      {
        kind: 'registerJob',
        object: 'RunnerJob',
        job: renderRunnerJob(template, ID, { environmentId: 4, templateRevision: revision }),
        exists: false,
        expectation: REGISTER_EXPECTATION,
      },
    ]);
  });

  it('does not register again while the registration is on its way to the cache', () => {
    const plan = planRunner(facts({ pendingWrites: [REGISTER_EXPECTATION], pendingExpiry: NOW + 500 }));
    expect(plan).toEqual({ state: 'registering', steps: [], requeueAfter: 500 });
  });

  it('leaves an idle runner of an older revision without a job to the pool', () => {
    const plan = planRunner(facts({ runner: storedRunner(ID, 4, 'old') }));
    expect(plan).toEqual({ state: 'awaitingReplacement', steps: [], requeueAfter: undefined });
  });

  it('writes the Pending phase while the allocation starts', () => {
    const { job } = runningJob();
    const alloc = allocation(ID, 'pending');
    const plan = planRunner(facts({ job, allocation: assessAllocations(job, [alloc]) }));
    expect(plan.state).toBe('pending');
    expect(plan.steps).toEqual([
      {
        kind: 'writeRunnerStatus',
        name: ID,
        resourceVersion: '1',
        status: { observedGeneration: 1, phase: 'Pending', allocationId: alloc.id, mappedPorts: [] },
      },
    ]);
  });

  it('writes the Running phase with the allocation and its mapped ports, and nothing once written', () => {
    const running = runningJob();
    const plan = planRunner(facts(running));
    expect(plan.state).toBe('idle');
    const status = {
      observedGeneration: 1,
      phase: 'Running' as const,
      allocationId: `alloc-${ID}`,
      mappedPorts: [{ exposedPort: 8080, hostAddress: '10.0.0.5:23456' }],
    };
    expect(plan.steps).toEqual([{ kind: 'writeRunnerStatus', name: ID, resourceVersion: '1', status }]);
    expect(planRunner(facts({ ...running, runner: storedRunner(ID, 4, revision, { status }) })).steps).toEqual([]);
  });

  it('mirrors a claim into the job meta with a check-and-set meta-only register', () => {
    const running = runningJob();
    const runner = storedRunner(ID, 4, revision, { claim, status: { phase: 'Running' } });
    const plan = planRunner(facts({ ...running, runner, deadline: NOW + 30000 }));
    expect(plan.state).toBe('claimed');
    const register = plan.steps.find((step) => step.kind === 'registerJob');
    expect(register).toMatchObject({
      exists: true,
      enforceIndex: running.job.jobModifyIndex,
      job: {
        id: ID,
        settings: running.job.settings,
        meta: { used: 'true', timeout: '60', claimedAt: claim.claimedAt, templateHash: revision },
      },
    });
    expect(plan.requeueAfter).toBe(30000);
  });

  it('destroys a claimed runner at its inactivity deadline', () => {
    const running = runningJob();
    const runner = storedRunner(ID, 4, revision, { claim, resourceVersion: '7' });
    const plan = planRunner(facts({ ...running, runner, deadline: NOW }));
    expect(plan.state).toBe('destroyed');
    expect(plan.steps).toEqual([
      { kind: 'reportLoss', runnerId: ID, cause: 'inactivityTimeout' },
      { kind: 'deregisterJob', object: 'RunnerJob', jobId: ID },
      { kind: 'deleteRunner', name: ID, resourceVersion: '7' },
    ]);
    expect(plan.requeueAfter).toBeUndefined();
  });

  it.each([
    [
      'oomKilled',
      { clientStatus: 'pending' as const, restarts: 1, taskEvents: [{ type: 'Terminated', time: 1, oomKilled: true }] },
    ],
    ['rescheduled', { clientStatus: 'running' as const, previousAllocationId: 'a0' }],
    ['stoppedUnexpectedly', { clientStatus: 'failed' as const }],
    ['stoppedUnexpectedly', { clientStatus: 'running' as const, restarts: 1 }],
    ['stoppedUnexpectedly', { clientStatus: 'lost' as const }],
    ['stoppedUnexpectedly', { clientStatus: 'complete' as const, desiredStatus: 'stop' as const }],
  ])('destroys the runner as %s when its allocation says so', (cause, overrides) => {
    const { job } = runningJob();
    const alloc = allocation(ID, overrides.clientStatus, overrides);
    const plan = planRunner(facts({ job, allocation: assessAllocations(job, [alloc]) }));
    expect(plan.state).toBe('destroyed');
    expect(plan.steps[0]).toEqual({ kind: 'reportLoss', runnerId: ID, cause });
  });

  it('keeps a runner whose task kept running when a program inside it was OOM-killed', () => {
    const { job } = runningJob();
    const killedInside = { taskEvents: [{ type: 'Killed', time: 1, oomKilled: true }] };
    const alloc = allocation(ID, 'running', killedInside);
    expect(assessAllocations(job, [alloc]).kind).toBe('running');
    const plan = planRunner(facts({ job, allocation: assessAllocations(job, [alloc]) }));
    expect(plan.steps.filter((step) => step.kind === 'reportLoss')).toEqual([]);
  });

  it('destroys a runner whose job vanished after it had run', () => {
    const runner = storedRunner(ID, 4, revision, { status: { phase: 'Running', allocationId: 'a1' } });
    const plan = planRunner(facts({ runner }));
    expect(plan.steps.map((s) => s.kind)).toEqual(['reportLoss', 'deleteRunner']);
    expect(plan.steps[0]).toMatchObject({ cause: 'stoppedUnexpectedly' });
  });

  it('destroys a runner whose environment is gone as deregistered', () => {
    const plan = planRunner(
      facts({ ...runningJob(), environment: undefined, template: undefined, currentRevision: undefined }),
    );
    expect(plan.steps[0]).toEqual({ kind: 'reportLoss', runnerId: ID, cause: 'deregistered' });
  });

  it('deregisters a job of this project whose resource is gone', () => {
    const plan = planRunner(facts({ ...runningJob(), runner: undefined }));
    expect(plan).toMatchObject({ state: 'orphaned', steps: [{ kind: 'deregisterJob', jobId: ID }] });
  });

  it('adopts a claimed job of the original service with its timeout and marks the job as ours', () => {
    const settings = template.settings;
    const job = jobState({ id: ID, settings, meta: { used: 'true', timeout: '120' } });
    const plan = planRunner(facts({ runner: undefined, job }));
    expect(plan.state).toBe('adopting');
    const claimedAt = new Date(NOW).toISOString();
    expect(plan.steps).toEqual([
      {
        kind: 'createRunner',
        name: ID,
        environmentId: 4,
        templateRevision: revision,
        claim: { inactivityTimeout: 120, claimedAt },
      },
      {
        kind: 'registerJob',
        object: 'RunnerJob',
        job: { id: ID, settings, meta: { used: 'true', timeout: '120', claimedAt, templateHash: revision } },
        exists: true,
        enforceIndex: job.jobModifyIndex,
        expectation: expect.stringMatching(/^meta:/),
      },
    ]);
  });

  it('adopts an idle job with other settings under a stale revision, and a bad timeout as 60 s', () => {
    const idle = jobState({ id: ID, settings: { ...template.settings, image: 'old' }, meta: { used: 'false' } });
    const [idleStep] = planRunner(facts({ runner: undefined, job: idle })).steps;
    expect(idleStep).toMatchObject({ kind: 'createRunner', name: ID });
    expect(idleStep).not.toHaveProperty('claim');
    expect((idleStep as { templateRevision: string }).templateRevision).not.toBe(revision);
    const odd = jobState({ id: ID, settings: template.settings, meta: { used: 'true', timeout: 'soon' } });
    expect(planRunner(facts({ runner: undefined, job: odd })).steps[0]).toMatchObject({
      claim: { inactivityTimeout: 60 },
    });
  });

  it('ignores foreign jobs that are dead or belong to no known environment', () => {
    const dead = jobState({ id: ID, settings: template.settings, meta: { used: 'false' } }, 'dead');
    expect(planRunner(facts({ runner: undefined, job: dead }))).toMatchObject({ state: 'ignored', steps: [] });
    const live = jobState({ id: ID, settings: template.settings, meta: {} });
    expect(planRunner(facts({ runner: undefined, job: live, environment: undefined }))).toMatchObject({
      state: 'ignored',
      steps: [],
    });
  });

  it('does nothing when neither the resource nor the job exists', () => {
    expect(planRunner(facts({ runner: undefined }))).toEqual({ state: 'gone', steps: [], requeueAfter: undefined });
  });
});
