/**
 * Recent events per ExecutionEnvironment, for `poseidon describe`: a bounded in-memory log fed by the desired cache's
 * changes (spec changes, condition flips written by the environment reconciler, deletions) and by runner losses (a
 * deleted Runner whose loss cause was reported). It is derived, not stored: it starts empty with the process and
 * records only what happens while it runs. Routine traffic (claims, releases, pool replacements) is left out.
 */
import type { EnvironmentEvent } from '../../api/ports';
import type { Condition } from '../../crds/meta';
import type { DeepReadonly } from '../../crds/resources';
import type { StoredEnvironment } from '../../reconcilers/desired-state';
import type { RunnerLossCause } from '../../reconcilers/ports';
import type { DesiredChange } from '../cache/desired-cache';

/** An event before it is stamped and folded. */
export interface EventEntry {
  readonly type: EnvironmentEvent['type'];
  readonly reason: string;
  readonly message: string;
}

/** Options of the {@link EnvironmentEventLog}. */
export interface EnvironmentEventLogOptions {
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Events kept per environment (oldest dropped). Default 50. */
  readonly perEnvironment?: number;
  /** Environments kept (the one written longest ago dropped). Default 1000. */
  readonly environments?: number;
}

/** A bounded log of events per environment name. */
export class EnvironmentEventLog {
  private readonly logs = new Map<string, EnvironmentEvent[]>();
  private readonly perEnvironment: number;
  private readonly maxEnvironments: number;

  constructor(private readonly options: EnvironmentEventLogOptions) {
    this.perEnvironment = options.perEnvironment ?? 50;
    this.maxEnvironments = options.environments ?? 1000;
  }

  /** Records `entry` for `name`; a repeat of the latest entry only raises its count and time. */
  record(name: string, entry: EventEntry): void {
    const time = new Date(this.options.now()).toISOString();
    const log = this.logs.get(name) ?? [];
    this.logs.delete(name);
    this.logs.set(name, log);
    const last = log[log.length - 1];
    if (last && last.type === entry.type && last.reason === entry.reason && last.message === entry.message) {
      log[log.length - 1] = { ...last, lastTime: time, count: last.count + 1 };
    } else {
      log.push({ ...entry, firstTime: time, lastTime: time, count: 1 });
      if (log.length > this.perEnvironment) log.splice(0, log.length - this.perEnvironment);
    }
    if (this.logs.size > this.maxEnvironments) {
      const oldest = this.logs.keys().next().value;
      if (oldest !== undefined) this.logs.delete(oldest);
    }
  }

  /** The events of `name`, oldest first. */
  eventsOf(name: string): EnvironmentEvent[] {
    return [...(this.logs.get(name) ?? [])];
  }
}

/** What {@link eventsOfChange} looks up besides the change itself. */
export interface ChangeContext {
  /** The resource name of the environment with this id, if it exists. */
  environmentName(id: number): string | undefined;
  /** The reported loss cause of a runner, if any. */
  lossCause(runnerId: string): RunnerLossCause | undefined;
}

/** Losses worth an event, and whether they are warnings. Releases (routine) are not listed. */
const LOSS_TYPES: Partial<Record<RunnerLossCause, EnvironmentEvent['type']>> = {
  oomKilled: 'Warning',
  rescheduled: 'Warning',
  stoppedUnexpectedly: 'Warning',
  inactivityTimeout: 'Normal',
  deregistered: 'Normal',
};

/** The events one desired change implies, with the environment name each belongs to. Pure. */
export function eventsOfChange(change: DesiredChange, context: ChangeContext): { name: string; entry: EventEntry }[] {
  if (change.kind === 'Runner') {
    if (change.type !== 'deleted') return [];
    const cause = context.lossCause(change.name);
    const type = cause === undefined ? undefined : LOSS_TYPES[cause];
    const name = context.environmentName(change.object.spec.environmentId);
    if (type === undefined || name === undefined) return [];
    const claimed = change.object.spec.claim ? 'claimed' : 'idle';
    return [{ name, entry: { type, reason: 'RunnerLost', message: `${claimed} runner ${change.name}: ${cause}` } }];
  }
  const entries = environmentEntries(change.type, change.object, change.previous);
  return entries.map((entry) => ({ name: change.name, entry }));
}

function environmentEntries(
  type: DesiredChange['type'],
  object: StoredEnvironment,
  previous: StoredEnvironment | undefined,
): EventEntry[] {
  const spec = object.spec;
  if (type === 'deleted') return [{ type: 'Normal', reason: 'Deleted', message: `environment ${spec.id} deleted` }];
  if (type === 'added' || !previous) {
    const message = `created: id ${spec.id}, image ${spec.image}, pool ${spec.prewarmingPoolSize}`;
    return [{ type: 'Normal', reason: 'Created', message }];
  }
  const entries: EventEntry[] = [];
  if (object.metadata.generation !== previous.metadata.generation) {
    const fields = changedFields(previous, object);
    const what = fields.length > 0 ? fields.join(', ') : 'labels or annotations changed';
    entries.push({
      type: 'Normal',
      reason: 'SpecChanged',
      message: `generation ${previous.metadata.generation ?? 0} -> ${object.metadata.generation ?? 0}: ${what}`,
    });
  }
  entries.push(...conditionFlips(previous.status?.conditions, object.status?.conditions));
  return entries;
}

function changedFields(before: StoredEnvironment, after: StoredEnvironment): string[] {
  const fields: string[] = [];
  for (const key of Object.keys(after.spec) as (keyof StoredEnvironment['spec'])[]) {
    const from = JSON.stringify(before.spec[key]);
    const to = JSON.stringify(after.spec[key]);
    if (from !== to) fields.push(`${key} ${from} -> ${to}`);
  }
  return fields;
}

/** `Ready` and `Degraded` conditions whose status or reason changed (`Progressing` mirrors `Ready`). */
function conditionFlips(
  before: DeepReadonly<Condition[]> | undefined,
  after: DeepReadonly<Condition[]> | undefined,
): EventEntry[] {
  const entries: EventEntry[] = [];
  for (const condition of after ?? []) {
    if (condition.type !== 'Ready' && condition.type !== 'Degraded') continue;
    const old = before?.find((c) => c.type === condition.type);
    if (old && old.status === condition.status && old.reason === condition.reason) continue;
    if (!old && condition.type === 'Degraded' && condition.status === 'False') continue;
    const warning = condition.type === 'Degraded' && condition.status === 'True';
    entries.push({
      type: warning ? 'Warning' : 'Normal',
      reason: condition.reason,
      message: `${condition.type}=${condition.status}: ${condition.message}`,
    });
  }
  return entries;
}

/** Collaborators of {@link recordEnvironmentEvents}. */
export interface EventSources {
  readonly desired: {
    onChange(listener: (change: DesiredChange) => void): () => void;
    environment(id: number): StoredEnvironment | undefined;
  };
  readonly losses: { causeOf(runnerId: string): RunnerLossCause | undefined };
}

/** Feeds `log` from the desired cache's changes; returns the function that stops it. */
export function recordEnvironmentEvents(sources: EventSources, log: EnvironmentEventLog): () => void {
  const context: ChangeContext = {
    environmentName: (id) => sources.desired.environment(id)?.metadata.name,
    lossCause: (runnerId) => sources.losses.causeOf(runnerId),
  };
  return sources.desired.onChange((change) => {
    for (const { name, entry } of eventsOfChange(change, context)) log.record(name, entry);
  });
}
