/**
 * What the pool planner knows about one environment's pool, the counts derived from it, and the pure builders of
 * the steps its machine plans. The pool is a ReplicaSet of idle Runner resources: `prewarmingPoolSize` unclaimed
 * runners of the current template revision.
 */
import type { StoredEnvironment } from '../desired-state';
import type { TaskSettings } from '../ports';
import type { Step } from '../shared/steps';
import { narrowsIsolation } from '../template/render-template';

/** One Runner resource of the pool's environment, as the planner sees it. */
export interface PoolRunner {
  readonly name: string;
  readonly resourceVersion: string | undefined;
  readonly templateRevision: string;
  readonly claimed: boolean;
  /** Its allocation runs (it can take code). */
  readonly running: boolean;
  /** Settings of its runner job, when the job is observed. */
  readonly jobSettings: TaskSettings | undefined;
  /** RFC 3339 creation time (newest are removed first when scaling down). */
  readonly createdAt: string;
}

/** Everything the pool planner reads. */
export interface PoolFacts {
  readonly environmentId: number;
  readonly environment: StoredEnvironment | undefined;
  /** The current template revision and settings (undefined without environment). */
  readonly currentRevision: string | undefined;
  readonly currentSettings: TaskSettings | undefined;
  /** The template job is registered with the current revision and not dead: runners may be created. */
  readonly templateReady: boolean;
  /** The environment's runners, without those whose deletion is still in flight. */
  readonly runners: readonly PoolRunner[];
  /** Runners created but not yet seen by the desired-state cache, and idle foreign jobs about to be adopted. */
  readonly pendingCreations: number;
  /** Upper bound of creations in one plan. */
  readonly maxCreations: number;
}

/** Counts the pool is judged by. */
export interface PoolCounts {
  readonly size: number;
  readonly idleCurrent: readonly PoolRunner[];
  readonly staleIdle: readonly PoolRunner[];
  readonly narrowedClaims: readonly PoolRunner[];
  /** Runners to create to reach the size (not bounded by the burst). */
  readonly missing: number;
  /** Idle runners of the current revision above the size (only observed ones can be removed). */
  readonly surplus: number;
}

/** Derives the counts from the facts. */
export function poolCounts(facts: PoolFacts): PoolCounts {
  const size = facts.environment?.spec.prewarmingPoolSize ?? 0;
  const current = facts.currentRevision;
  const idleCurrent = facts.runners.filter((r) => !r.claimed && r.templateRevision === current);
  const staleIdle = facts.runners.filter((r) => !r.claimed && r.templateRevision !== current);
  const settings = facts.currentSettings;
  const narrowedClaims = facts.runners.filter(
    (r) =>
      r.claimed &&
      r.templateRevision !== current &&
      settings !== undefined &&
      r.jobSettings !== undefined &&
      narrowsIsolation(r.jobSettings, settings),
  );
  const effective = idleCurrent.length + facts.pendingCreations;
  const missing = Math.max(0, size - effective);
  const surplus = Math.min(idleCurrent.length, Math.max(0, effective - size));
  return { size, idleCurrent, staleIdle, narrowedClaims, missing, surplus };
}

/**
 * Deletes every runner of a deleted environment, each reported `deregistered` (idle ones too: the runner reconciler
 * reports the same loss when it gets to a runner first, and a loss is counted once, whoever reports it).
 */
export function teardownSteps(facts: PoolFacts): Step[] {
  return facts.runners.flatMap((runner): Step[] => [
    { kind: 'reportLoss', runnerId: runner.name, cause: 'deregistered' },
    { kind: 'deleteRunner', name: runner.name },
  ]);
}

/** Destroys claimed runners whose job is less isolated than the current template allows. */
export function narrowedClaimSteps(counts: PoolCounts): Step[] {
  return counts.narrowedClaims.flatMap((runner): Step[] => [
    { kind: 'reportLoss', runnerId: runner.name, cause: 'deregistered' },
    deleteIdle(runner),
  ]);
}

/** Deletes idle runners of an older revision (check-and-set: a claim racing the delete wins). */
export function staleIdleSteps(counts: PoolCounts): Step[] {
  return counts.staleIdle.map(deleteIdle);
}

/** Creates the missing runners, at most `maxCreations`, once the template is ready. */
export function creationSteps(facts: PoolFacts, counts: PoolCounts): Step[] {
  if (!facts.templateReady || facts.currentRevision === undefined) return [];
  const count = Math.min(counts.missing, Math.max(0, facts.maxCreations));
  const revision = facts.currentRevision;
  return Array.from({ length: count }, () => ({
    kind: 'createRunner' as const,
    environmentId: facts.environmentId,
    templateRevision: revision,
  }));
}

/** Deletes the surplus idle runners: those not running first, then the newest. */
export function surplusSteps(counts: PoolCounts): Step[] {
  if (counts.surplus === 0) return [];
  const victims = [...counts.idleCurrent].sort(
    (a, b) =>
      Number(a.running) - Number(b.running) || (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0),
  );
  return victims.slice(0, counts.surplus).map(deleteIdle);
}

function deleteIdle(runner: PoolRunner): Step {
  return {
    kind: 'deleteRunner',
    name: runner.name,
    ...(runner.resourceVersion !== undefined ? { resourceVersion: runner.resourceVersion } : {}),
  };
}
