import type { ExecutionEnvironment } from '../../crds/execution-environment';
import { parseSelector } from './label-selector';
import { makePlan, planChanges, planCounts, type Plan } from './plan';

function env(
  name: string,
  id: number,
  extra: Partial<ExecutionEnvironment['spec']> = {},
  labels?: Record<string, string>,
) {
  return {
    apiVersion: 'poseidon.openhpi.de/v1alpha1',
    kind: 'ExecutionEnvironment',
    metadata: { name, ...(labels ? { labels } : {}), resourceVersion: `${id}`, generation: 1 },
    spec: {
      id,
      image: 'img',
      prewarmingPoolSize: 1,
      cpuLimit: 40,
      memoryLimit: 0,
      networkAccess: false,
      exposedPorts: [],
      ...extra,
    },
  } as ExecutionEnvironment;
}

function steps(plan: Plan): string[] {
  return plan.actions.map((action) => `${action.type} ${action.name}`);
}

describe('makePlan', () => {
  it('creates the missing, updates the changed and leaves the equal ones (status and store metadata ignored)', () => {
    const live = [
      { ...env('same', 1), status: { idleRunners: 1 }, metadata: { name: 'same', resourceVersion: '99', uid: 'u' } },
      env('changed', 2),
    ] as ExecutionEnvironment[];
    const plan = makePlan([env('same', 1), env('changed', 2, { memoryLimit: 64 }), env('new', 3)], live, {
      prune: false,
    });
    expect(steps(plan)).toEqual(['update changed', 'create new', 'unchanged same']);
    expect(planCounts(plan)).toEqual({ create: 1, update: 1, unchanged: 1, delete: 0 });
    expect(planChanges(plan)).toBe(true);
  });

  it('treats label changes as changes and label order as no change', () => {
    const live = [env('a', 1, {}, { x: '1', y: '2' })];
    expect(steps(makePlan([env('a', 1, {}, { y: '2', x: '1' })], live, { prune: false }))).toEqual(['unchanged a']);
    expect(steps(makePlan([env('a', 1, {}, { x: '1' })], live, { prune: false }))).toEqual(['update a']);
  });

  it('deletes only with prune, only what the selector matches, and deletes first', () => {
    const live = [env('keep', 1), env('old', 2, {}, { team: 'a' }), env('manual', 3)];
    const desired = [env('keep', 1), env('fresh', 4)];
    expect(steps(makePlan(desired, live, { prune: false }))).toEqual(['create fresh', 'unchanged keep']);
    expect(steps(makePlan(desired, live, { prune: true }))).toEqual([
      'delete old',
      'delete manual',
      'create fresh',
      'unchanged keep',
    ]);
    const selected = makePlan(desired, live, { prune: true, selector: parseSelector('team=a') });
    expect(steps(selected)).toEqual(['delete old', 'create fresh', 'unchanged keep']);
  });

  it('orders writes so an id is released before another resource takes it', () => {
    const live = [env('a', 1), env('b', 2)];
    // b takes a's id 1 only after a moved to 3.
    const plan = makePlan([env('b', 1), env('a', 3)], live, { prune: false });
    expect(steps(plan)).toEqual(['update a', 'update b']);
  });

  it('refuses ids held by a kept resource, and cycles of ids', () => {
    expect(() => makePlan([env('new', 1)], [env('owner', 1)], { prune: false })).toThrow(
      /executionenvironment\/new: environment id 1 is used by "owner", which this plan neither deletes nor moves/,
    );
    expect(() => makePlan([env('a', 2), env('b', 1)], [env('a', 1), env('b', 2)], { prune: false })).toThrow(
      /a cycle of ids/,
    );
    expect(steps(makePlan([env('new', 1)], [env('owner', 1)], { prune: true }))).toEqual([
      'delete owner',
      'create new',
    ]);
  });

  it('plans nothing for nothing', () => {
    const plan = makePlan([], [], { prune: true });
    expect(plan.actions).toEqual([]);
    expect(planChanges(plan)).toBe(false);
  });
});
