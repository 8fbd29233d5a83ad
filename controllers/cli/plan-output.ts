/**
 * How plans and their results are printed: one line per resource in kubectl's style
 * (`executionenvironment/python created`), and a summary plan for `sync` with `+`, `~`, `-` markers.
 */
import type { CliOutput } from './cli-io';
import { planCounts, type Plan, type PlanAction } from './plan';
import { changedSpecFields } from './resource-view';

/** The `kind/name` reference of a resource in output. */
export function reference(name: string): string {
  return `executionenvironment/${name}`;
}

/** The past-tense verb of an applied action. */
export const RESULT_VERB: Readonly<Record<PlanAction['type'], string>> = {
  create: 'created',
  update: 'configured',
  unchanged: 'unchanged',
  delete: 'deleted',
};

/** Prints the plan of `sync`: a summary line, then one marked line per resource. */
export function printPlan(out: CliOutput, plan: Plan): void {
  const counts = planCounts(plan);
  out.write(
    `Plan: ${counts.create} to create, ${counts.update} to update, ${counts.delete} to delete, ` +
      `${counts.unchanged} unchanged\n`,
  );
  for (const action of plan.actions) out.write(`${planLine(action)}\n`);
}

function planLine(action: PlanAction): string {
  switch (action.type) {
    case 'create':
      return `  + ${reference(action.name)} (id ${action.desired.spec.id})`;
    case 'update': {
      const changes = changedSpecFields(action.live, action.desired).join(', ');
      return `  ~ ${reference(action.name)} (id ${action.live.spec.id}): ${changes}`;
    }
    case 'delete':
      return `  - ${reference(action.name)} (id ${action.live.spec.id})`;
    case 'unchanged':
      return `    ${reference(action.name)} (id ${action.live.spec.id})`;
  }
}
