/**
 * What the environment planner knows about one environment id, and the pure builders of the steps its machine
 * plans: the template job equals the spec (registered only when its hash or pool-size meta differs), and the status
 * reports it with conditions and pool counts.
 */
import type { ExecutionEnvironmentStatus } from '../../crds/execution-environment';
import { sameData } from '../../crds/store/plain-data';
import type { StoredEnvironment } from '../desired-state';
import { META_POOL_SIZE, META_TEMPLATE_HASH } from '../naming';
import type { JobSpec, JobState } from '../ports';
import { mergeConditions, type ConditionValue } from '../shared/conditions';
import type { Step } from '../shared/steps';
import type { EnvironmentStatistics } from '../statistics/pool-statistics';

/** Everything the environment planner reads. */
export interface EnvironmentFacts {
  readonly environmentId: number;
  readonly environment: StoredEnvironment | undefined;
  /** The rendered template job (undefined without environment). */
  readonly template: JobSpec | undefined;
  readonly templateJob: JobState | undefined;
  /** Pool figures (undefined without environment). */
  readonly statistics: EnvironmentStatistics | undefined;
  /** Fraction of the pool below which it counts as depleting; 0 disables. */
  readonly depletionThreshold: number;
  readonly now: number;
  /** Template writes not yet seen by the cache (meta digests). */
  readonly pendingWrites: readonly string[];
}

/** The expectation item of a template write: its hash and pool size. */
export function templateDigest(meta: Readonly<Record<string, string>>): string {
  return `${meta[META_TEMPLATE_HASH] ?? ''}/${meta[META_POOL_SIZE] ?? ''}`;
}

/** Registers the rendered template job unless the same write is still on its way to the cache. */
export function registerTemplateSteps(facts: EnvironmentFacts): Step[] {
  if (!facts.template) return [];
  const expectation = templateDigest(facts.template.meta);
  if (facts.pendingWrites.includes(expectation)) return [];
  const exists = facts.templateJob !== undefined;
  return [{ kind: 'registerJob', object: 'TemplateJob', job: facts.template, exists, expectation }];
}

/** Deregisters the template job of a deleted environment. */
export function deregisterTemplateSteps(facts: EnvironmentFacts): Step[] {
  if (!facts.templateJob) return [];
  return [{ kind: 'deregisterJob', object: 'TemplateJob', jobId: facts.templateJob.id }];
}

/**
 * The lifecycle states that write a status, and the conditions each implies. `rejected` is written when the backend
 * refused the template as invalid (a terminal error, which the runtime does not retry).
 */
export type EnvironmentPhase =
  | 'registering'
  | 'updating'
  | 'starting'
  | 'failed'
  | 'depleting'
  | 'filling'
  | 'ready'
  | 'rejected';

/**
 * Writes the status for `phase` when it differs from the stored one. `detail` (the backend's reason for a rejection)
 * is appended to the condition messages.
 */
export function statusSteps(facts: EnvironmentFacts, phase: EnvironmentPhase, detail?: string): Step[] {
  const environment = facts.environment;
  const statistics = facts.statistics;
  if (!environment?.metadata.resourceVersion || !statistics || !facts.template) return [];
  const status: ExecutionEnvironmentStatus = {
    ...(environment.metadata.generation !== undefined ? { observedGeneration: environment.metadata.generation } : {}),
    templateRevision: facts.template.meta[META_TEMPLATE_HASH],
    conditions: mergeConditions(
      environment.status?.conditions,
      conditionsOf(phase, statistics, detail),
      new Date(facts.now).toISOString(),
    ),
    idleRunners: statistics.idleRunners,
    usedRunners: statistics.usedRunners,
    desiredIdleRunners: statistics.prewarmingPoolSize,
  };
  if (sameData(status, environment.status)) return [];
  const { name, resourceVersion } = environment.metadata;
  return [{ kind: 'writeEnvironmentStatus', name, resourceVersion, status }];
}

function conditionsOf(phase: EnvironmentPhase, s: EnvironmentStatistics, detail?: string): ConditionValue[] {
  const pool = `${s.idleRunners} of ${s.prewarmingPoolSize} idle runners ready, ${s.usedRunners} in use`;
  const [ready, progressing, degraded] = TABLE[phase];
  const message = detail === undefined ? MESSAGES[phase] : `${MESSAGES[phase]}: ${detail}`;
  return [
    { type: 'Ready', status: ready[0], reason: ready[1], message: `${message}; ${pool}` },
    { type: 'Progressing', status: progressing[0], reason: progressing[1], message },
    { type: 'Degraded', status: degraded[0], reason: degraded[1], message },
  ];
}

type Cell = readonly ['True' | 'False', string];
const AS_EXPECTED: Cell = ['False', 'AsExpected'];
/** Ready, Progressing, Degraded per phase. */
const TABLE: Record<EnvironmentPhase, readonly [Cell, Cell, Cell]> = {
  registering: [['False', 'TemplateRegistering'], ['True', 'TemplateRegistering'], AS_EXPECTED],
  updating: [['False', 'TemplateUpdating'], ['True', 'TemplateUpdating'], AS_EXPECTED],
  starting: [['False', 'TemplateStarting'], ['True', 'TemplateStarting'], AS_EXPECTED],
  failed: [
    ['False', 'TemplateFailed'],
    ['False', 'TemplateFailed'],
    ['True', 'TemplateFailed'],
  ],
  depleting: [
    ['False', 'PoolDepleting'],
    ['True', 'PoolFilling'],
    ['True', 'PoolDepleting'],
  ],
  filling: [['False', 'PoolFilling'], ['True', 'PoolFilling'], AS_EXPECTED],
  ready: [['True', 'PoolReady'], ['False', 'Converged'], AS_EXPECTED],
  rejected: [
    ['False', 'TemplateRejected'],
    ['False', 'TemplateRejected'],
    ['True', 'TemplateRejected'],
  ],
};
const MESSAGES: Record<EnvironmentPhase, string> = {
  registering: 'the template job is being registered',
  updating: 'the template job is being updated to the new spec',
  starting: 'the template job is starting',
  failed: 'the template job is not running (image or placement problem?)',
  depleting: 'the prewarming pool is below its alert threshold and refilling',
  filling: 'the prewarming pool is filling',
  ready: 'the template job runs and the prewarming pool is full',
  rejected: 'the backend rejected the template job; change the spec',
};
