/**
 * Runs a plan against the server, action by action in the plan's order, printing one line per resource as it is
 * done. Updates are check-and-set writes with the live `resourceVersion`; when another writer got there first
 * (`Conflict`, often just a status write of the controller, or `NotFound`: deleted meanwhile) the resource is read
 * again and the write retried (or turned into a create), a bounded number of times. A failure stops the run: the
 * error says what was already applied.
 */
import type { ExecutionEnvironment } from '../../crds/execution-environment';
import { CliError } from './cli-error';
import type { CliOutput } from './cli-io';
import type { Plan, PlanAction } from './plan';
import { RESULT_VERB, reference } from './plan-output';
import { isApiError, type ResourceClient } from './resource-client';
import { managedView, sameManaged } from './resource-view';

const MAX_ATTEMPTS = 5;

/** The client calls a plan needs. */
export type PlanClient = Pick<ResourceClient, 'create' | 'replace' | 'delete' | 'get'>;

/** Options of {@link executePlan}. */
export interface ExecuteOptions {
  /** Print what would happen, change nothing. */
  readonly dryRun: boolean;
  /** Print `unchanged` lines too (apply does, sync's plan already showed them). */
  readonly showUnchanged: boolean;
}

/** What a run did, per action type; `names` are the resources that exist afterwards. */
export interface ExecuteResult {
  readonly changed: number;
  readonly names: readonly string[];
}

/** Runs `plan`; throws a {@link CliError} (listing what was applied) on the first failure. */
export async function executePlan(
  client: PlanClient,
  plan: Plan,
  out: CliOutput,
  options: ExecuteOptions,
): Promise<ExecuteResult> {
  const done: string[] = [];
  let changed = 0;
  const suffix = options.dryRun ? ' (dry run)' : '';
  for (const action of plan.actions) {
    let outcome: PlanAction['type'];
    try {
      outcome = options.dryRun ? action.type : await run(client, action);
    } catch (error) {
      const applied = done.length === 0 ? 'nothing was changed' : `already applied: ${done.join(', ')}`;
      const message = error instanceof Error ? error.message : String(error);
      throw new CliError(`${reference(action.name)}: ${message}\n(${applied})`);
    }
    if (outcome !== 'unchanged') {
      changed++;
      done.push(`${reference(action.name)} ${RESULT_VERB[outcome]}`);
    }
    if (outcome !== 'unchanged' || options.showUnchanged) {
      out.write(`${reference(action.name)} ${RESULT_VERB[outcome]}${suffix}\n`);
    }
  }
  const names = plan.actions.filter((action) => action.type !== 'delete').map((action) => action.name);
  return { changed, names };
}

async function run(client: PlanClient, action: PlanAction): Promise<PlanAction['type']> {
  switch (action.type) {
    case 'unchanged':
      return 'unchanged';
    case 'delete':
      // Not in the files, so it goes whatever changed meanwhile (status writes change it all the time).
      await client.delete(action.name).catch((error: unknown) => {
        if (!isApiError(error, 'NotFound')) throw error;
      });
      return 'delete';
    case 'create':
      await client.create(body(action.desired));
      return 'create';
    case 'update':
      return update(client, action.desired, action.live);
  }
}

async function update(
  client: PlanClient,
  desired: ExecutionEnvironment,
  live: ExecutionEnvironment,
): Promise<PlanAction['type']> {
  let current: ExecutionEnvironment | undefined = live;
  for (let attempt = 1; ; attempt++) {
    if (!current) {
      await client.create(body(desired));
      return 'create';
    }
    if (sameManaged(current, desired)) return 'unchanged';
    const resourceVersion = current.metadata.resourceVersion;
    const next = body(desired);
    try {
      await client.replace({ ...next, metadata: { ...next.metadata, resourceVersion } });
      return 'update';
    } catch (error) {
      const raced = isApiError(error, 'Conflict') || isApiError(error, 'NotFound');
      if (!raced || attempt >= MAX_ATTEMPTS) throw error;
    }
    current = await client.get(desired.metadata.name);
  }
}

/** The body written: the managed fields only (never a status or the store's metadata). */
function body(resource: ExecutionEnvironment): ExecutionEnvironment {
  return managedView(resource) as ExecutionEnvironment;
}
