/**
 * The plan of `apply` and `sync`: a pure function of the desired resources (from files) and the live ones (from the
 * server). Each desired resource is created, updated or unchanged; with `prune`, each live resource not in the files
 * (and matching the selector) is deleted. Writes are ordered so that no write needs an environment id another
 * resource still holds: deletions first, then a write only once its id is free. An id held by a resource the plan
 * neither deletes nor moves (or a cycle of moves) is an error before anything is written.
 */
import type { ExecutionEnvironment } from '../../crds/execution-environment';
import { CliError } from './cli-error';
import type { LabelSelector } from './label-selector';
import { sameManaged } from './resource-view';

/** One step of a plan. */
export type PlanAction =
  | { readonly type: 'create'; readonly name: string; readonly desired: ExecutionEnvironment }
  | {
      readonly type: 'update' | 'unchanged';
      readonly name: string;
      readonly desired: ExecutionEnvironment;
      readonly live: ExecutionEnvironment;
    }
  | { readonly type: 'delete'; readonly name: string; readonly live: ExecutionEnvironment };

/** Options of {@link planChanges}. */
export interface PlanOptions {
  /** Delete live resources that are not desired. */
  readonly prune: boolean;
  /** With `prune`, only live resources whose labels match are deleted. */
  readonly selector?: LabelSelector;
}

/** Actions in the order they must run. */
export interface Plan {
  readonly actions: readonly PlanAction[];
}

/** Counts of a plan's actions. */
export function planCounts(plan: Plan): Record<PlanAction['type'], number> {
  const counts = { create: 0, update: 0, unchanged: 0, delete: 0 };
  for (const action of plan.actions) counts[action.type]++;
  return counts;
}

/** True when the plan changes anything. */
export function planChanges(plan: Plan): boolean {
  return plan.actions.some((action) => action.type !== 'unchanged');
}

/** Computes the plan; throws a {@link CliError} when the ids cannot be arranged. */
export function makePlan(
  desired: readonly ExecutionEnvironment[],
  live: readonly ExecutionEnvironment[],
  options: PlanOptions,
): Plan {
  const liveByName = new Map(live.map((resource) => [resource.metadata.name, resource]));
  const desiredNames = new Set(desired.map((resource) => resource.metadata.name));
  const deletes: PlanAction[] = [];
  if (options.prune) {
    for (const resource of live) {
      const selected = options.selector ? options.selector(resource.metadata.labels) : true;
      if (!desiredNames.has(resource.metadata.name) && selected) {
        deletes.push({ type: 'delete', name: resource.metadata.name, live: resource });
      }
    }
  }
  const unchanged: PlanAction[] = [];
  const writes: PlanAction[] = [];
  for (const resource of desired) {
    const name = resource.metadata.name;
    const current = liveByName.get(name);
    if (!current) writes.push({ type: 'create', name, desired: resource });
    else if (sameManaged(current, resource))
      unchanged.push({ type: 'unchanged', name, desired: resource, live: current });
    else writes.push({ type: 'update', name, desired: resource, live: current });
  }
  const deleted = new Set(deletes.map((action) => action.name));
  const holders = new Map<number, string>();
  for (const resource of live)
    if (!deleted.has(resource.metadata.name)) holders.set(resource.spec.id, resource.metadata.name);
  return { actions: [...deletes, ...orderWrites(writes, holders), ...unchanged] };
}

/** Orders writes so each one's id is free (or its own) when it runs. */
function orderWrites(writes: readonly PlanAction[], holders: Map<number, string>): PlanAction[] {
  const ordered: PlanAction[] = [];
  const pending = [...writes];
  while (pending.length > 0) {
    const index = pending.findIndex((action) => isFree(action, holders));
    if (index < 0) throw idConflictError(pending, holders);
    const [action] = pending.splice(index, 1) as [PlanAction];
    if (action.type === 'update' && holders.get(action.live.spec.id) === action.name)
      holders.delete(action.live.spec.id);
    if (action.type !== 'delete') holders.set(action.desired.spec.id, action.name);
    ordered.push(action);
  }
  return ordered;
}

function isFree(action: PlanAction, holders: ReadonlyMap<number, string>): boolean {
  if (action.type === 'delete') return true;
  const holder = holders.get(action.desired.spec.id);
  return holder === undefined || holder === action.name;
}

function idConflictError(pending: readonly PlanAction[], holders: ReadonlyMap<number, string>): CliError {
  const lines = pending.flatMap((action) => {
    if (action.type === 'delete' || isFree(action, holders)) return [];
    const id = action.desired.spec.id;
    const holder = holders.get(id) ?? '?';
    const moving = pending.some((other) => other.name === holder);
    const why = moving
      ? `which moves to another id only after this one (a cycle of ids)`
      : `which this plan neither deletes nor moves (add it to the files, or use sync --prune)`;
    return [`executionenvironment/${action.name}: environment id ${id} is used by "${holder}", ${why}`];
  });
  return new CliError(`the plan cannot be applied, nothing was changed:\n${lines.join('\n')}`);
}
