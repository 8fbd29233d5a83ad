/**
 * `diff`'s output: per resource, a unified diff (the `diff` package's) of the managed fields as YAML, live (`a/`)
 * against desired (`b/`); a resource to be created is diffed against `/dev/null`, one to be pruned against it.
 */
import { createTwoFilesPatch } from 'diff';
import type { PlanAction } from './plan';
import { managedYaml } from './resource-view';

const CONTEXT_LINES = 3;

/** The diff of one plan action, or '' for an unchanged resource. */
export function actionDiff(action: PlanAction): string {
  if (action.type === 'unchanged') return '';
  const path = `executionenvironment/${action.name}`;
  const before = action.type === 'create' ? '' : managedYaml(action.live);
  const after = action.type === 'delete' ? '' : managedYaml(action.desired);
  const oldName = action.type === 'create' ? '/dev/null' : `a/${path}`;
  const newName = action.type === 'delete' ? '/dev/null' : `b/${path}`;
  const patch = createTwoFilesPatch(oldName, newName, before, after, 'live', 'desired', { context: CONTEXT_LINES });
  // Drop the `Index:` and `====` lines the package puts first; keep `---`, `+++` and the hunks.
  return patch
    .split('\n')
    .filter((line, index) => !(index < 2 && (line.startsWith('Index:') || /^=+$/.test(line))))
    .join('\n');
}
