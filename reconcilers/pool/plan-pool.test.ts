import fc from 'fast-check';
import { envSpec, runnerId, storedEnvironment } from '../../test/reconcilers/support/reconciler-builders';
import type { TaskSettings } from '../ports';
import type { Step } from '../shared/steps';
import { narrowsIsolation, renderSettings, templateRevision } from '../template/render-template';
import { planPool } from './plan-pool';
import type { PoolFacts, PoolRunner } from './pool-facts';

const OPEN: TaskSettings = renderSettings(envSpec(1, { networkAccess: true, exposedPorts: [80, 443] }));
const CLOSED: TaskSettings = renderSettings(envSpec(1, { image: 'old' }));

/** Facts of environment 1 with the given spec variant and runners. */
function poolFacts(
  spec: ReturnType<typeof envSpec> | undefined,
  runners: PoolRunner[],
  extra: Partial<PoolFacts> = {},
): PoolFacts {
  return {
    environmentId: 1,
    environment: spec ? storedEnvironment(spec) : undefined,
    currentRevision: spec ? templateRevision(spec) : undefined,
    currentSettings: spec ? renderSettings(spec) : undefined,
    templateReady: spec !== undefined,
    runners,
    pendingCreations: 0,
    maxCreations: 100,
    ...extra,
  };
}

function poolRunner(n: number, revision: string, overrides: Partial<PoolRunner> = {}): PoolRunner {
  return {
    name: runnerId(1, n),
    resourceVersion: String(n),
    templateRevision: revision,
    claimed: false,
    running: true,
    jobSettings: undefined,
    createdAt: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(),
    ...overrides,
  };
}

const specArbitrary = fc.record({
  prewarmingPoolSize: fc.integer({ min: 0, max: 20 }),
  networkAccess: fc.boolean(),
  exposedPorts: fc.subarray([80, 443]),
  image: fc.constantFrom('python', 'java'),
});

const factsArbitrary = fc
  .record({
    spec: fc.option(specArbitrary, { freq: 8 }),
    runners: fc.array(
      fc.record({
        claimed: fc.boolean(),
        current: fc.boolean(),
        running: fc.boolean(),
        job: fc.constantFrom<'current' | 'open' | 'closed' | 'none'>('current', 'open', 'closed', 'none'),
      }),
      { maxLength: 30 },
    ),
    pendingCreations: fc.integer({ min: 0, max: 5 }),
    maxCreations: fc.integer({ min: 1, max: 25 }),
    templateReady: fc.boolean(),
  })
  .map(({ spec, runners, pendingCreations, maxCreations, templateReady }) => {
    const full = spec ? envSpec(1, spec) : undefined;
    const current = full ? templateRevision(full) : 'none';
    const settings = full ? renderSettings(full) : undefined;
    const list = runners.map((r, i) =>
      poolRunner(i, r.current ? current : 'old', {
        claimed: r.claimed,
        running: r.running,
        jobSettings: r.job === 'current' ? settings : r.job === 'open' ? OPEN : r.job === 'closed' ? CLOSED : undefined,
      }),
    );
    // Creations in flight for a deleted environment are transient (its teardown deletes them once seen): left out.
    const pending = full ? pendingCreations : 0;
    return poolFacts(full, list, { pendingCreations: pending, maxCreations, templateReady: templateReady && !!full });
  });

const creations = (steps: readonly Step[]) => steps.filter((s) => s.kind === 'createRunner').length;
const deletedNames = (steps: readonly Step[]) =>
  new Set(steps.flatMap((s) => (s.kind === 'deleteRunner' ? [s.name] : [])));

/** What the world looks like after the plan's writes, once the cache shows them. */
function applied(facts: PoolFacts, steps: readonly Step[], round: number): PoolFacts {
  const deleted = deletedNames(steps);
  const created = Array.from({ length: creations(steps) + facts.pendingCreations }, (_, i) =>
    poolRunner(1000 * round + i, facts.currentRevision ?? 'none', {
      running: false,
      jobSettings: facts.currentSettings,
    }),
  );
  return { ...facts, runners: [...facts.runners.filter((r) => !deleted.has(r.name)), ...created], pendingCreations: 0 };
}

describe('planPool', () => {
  it('never creates more runners than are missing, nor more than one burst allows', () => {
    fc.assert(
      fc.property(factsArbitrary, (facts) => {
        const size = facts.environment?.spec.prewarmingPoolSize ?? 0;
        const idleCurrent = facts.runners.filter((r) => !r.claimed && r.templateRevision === facts.currentRevision);
        const missing = Math.max(0, size - idleCurrent.length - facts.pendingCreations);
        const created = creations(planPool(facts).steps);
        expect(created).toBeLessThanOrEqual(Math.min(missing, facts.maxCreations));
        if (!facts.templateReady) expect(created).toBe(0);
      }),
    );
  });

  it('never stops a claimed runner unless the environment is gone or its isolation narrowed', () => {
    fc.assert(
      fc.property(factsArbitrary, (facts) => {
        const deleted = deletedNames(planPool(facts).steps);
        for (const runner of facts.runners.filter((r) => r.claimed && deleted.has(r.name))) {
          const narrowed =
            runner.jobSettings !== undefined &&
            facts.currentSettings !== undefined &&
            narrowsIsolation(runner.jobSettings, facts.currentSettings);
          expect(facts.environment === undefined || narrowed).toBe(true);
        }
      }),
    );
  });

  it('reports every claimed runner it stops, and every runner of a deleted environment, as deregistered', () => {
    fc.assert(
      fc.property(factsArbitrary, (facts) => {
        const steps = planPool(facts).steps;
        const reported = new Set(steps.flatMap((s) => (s.kind === 'reportLoss' ? [s.runnerId] : [])));
        for (const name of deletedNames(steps)) {
          const claimed = facts.runners.find((r) => r.name === name)?.claimed ?? false;
          expect(reported.has(name)).toBe(claimed || facts.environment === undefined);
        }
      }),
    );
  });

  it('plans nothing more once its plan is applied (without a burst limit)', () => {
    fc.assert(
      fc.property(factsArbitrary, (facts) => {
        const unbounded = { ...facts, maxCreations: 1000, pendingCreations: 0 };
        const after = applied(unbounded, planPool(unbounded).steps, 1);
        expect(planPool(after).steps).toEqual([]);
      }),
    );
  });

  it('converges in bursts to exactly the pool size of current idle runners', () => {
    fc.assert(
      fc.property(factsArbitrary, (start) => {
        let facts = { ...start, templateReady: start.environment !== undefined };
        for (let round = 1; round <= 30; round++) {
          const plan = planPool(facts);
          if (plan.steps.length === 0 && facts.pendingCreations === 0) break;
          facts = applied(facts, plan.steps, round);
        }
        expect(planPool(facts).steps).toEqual([]);
        const idle = facts.runners.filter((r) => !r.claimed);
        if (!facts.environment) expect(facts.runners).toEqual([]);
        else {
          expect(idle.every((r) => r.templateRevision === facts.currentRevision)).toBe(true);
          expect(idle).toHaveLength(facts.environment.spec.prewarmingPoolSize);
        }
      }),
    );
  });

  it('removes surplus idle runners that are not running first, then the newest', () => {
    const spec = envSpec(1, { prewarmingPoolSize: 2 });
    const rev = templateRevision(spec);
    const runners = [
      poolRunner(1, rev),
      poolRunner(2, rev),
      poolRunner(3, rev, { running: false }),
      poolRunner(4, rev),
    ];
    const plan = planPool(poolFacts(spec, runners));
    expect(plan.state).toBe('scalingDown');
    expect([...deletedNames(plan.steps)]).toEqual([runnerId(1, 3), runnerId(1, 4)]);
  });

  it('rolls idle runners of an older revision and keeps claimed ones whose isolation did not narrow', () => {
    const spec = envSpec(1, { prewarmingPoolSize: 1, image: 'new' });
    const runners = [poolRunner(1, 'old'), poolRunner(2, 'old', { claimed: true, jobSettings: CLOSED })];
    const plan = planPool(poolFacts(spec, runners));
    expect(plan.state).toBe('rolling');
    expect(plan.steps).toEqual([
      { kind: 'deleteRunner', name: runnerId(1, 1), resourceVersion: '1' },
      { kind: 'createRunner', environmentId: 1, templateRevision: templateRevision(spec) },
    ]);
  });

  it('waits for the template before creating runners, and for the cache while creations are in flight', () => {
    const spec = envSpec(1, { prewarmingPoolSize: 3 });
    expect(planPool(poolFacts(spec, [], { templateReady: false }))).toMatchObject({
      state: 'awaitingTemplate',
      steps: [],
    });
    expect(planPool(poolFacts(spec, [], { pendingCreations: 3 }))).toMatchObject({
      state: 'awaitingCaches',
      steps: [],
    });
    expect(planPool(poolFacts(spec, [], { maxCreations: 2 }))).toMatchObject({
      state: 'scalingUp',
      moreToCreate: true,
    });
  });
});
