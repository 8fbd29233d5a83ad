/**
 * The domain metrics of the reconcilers and the claim, registered in a registry the caller passes in. Several
 * reconcilers share one registry: {@link reconcilerMetrics} reuses metrics already registered under the same names.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RunnerLossCause } from '../ports';
import type { WriteOutcome } from '../reconciler';

/** Which reconciler did a write. */
export type ControllerName = 'environment' | 'pool' | 'runner';
/** The kind of object a write touched. */
export type ObjectKind = 'TemplateJob' | 'RunnerJob' | 'Runner' | 'RunnerStatus' | 'EnvironmentStatus';
/** How a claim ended. */
export type ClaimResult = 'claimed' | 'no_runner' | 'environment_not_found' | 'error';

/** The metrics, typed. */
export interface ReconcilerMetrics {
  /** `poseidon_reconcile_outcomes_total{controller,object,outcome}`: writes by outcome. */
  readonly outcomes: Counter<'controller' | 'object' | 'outcome'>;
  /** `poseidon_idle_runners{environment_id}`: idle runners of the current revision with a running allocation. */
  readonly idleRunners: Gauge<'environment_id'>;
  /** `poseidon_used_runners{environment_id}`: claimed runners. */
  readonly usedRunners: Gauge<'environment_id'>;
  /** `poseidon_desired_idle_runners{environment_id}`: the prewarming pool size. */
  readonly desiredIdleRunners: Gauge<'environment_id'>;
  /** `poseidon_claim_duration_seconds{result}`: latency of claims. */
  readonly claimDuration: Histogram<'result'>;
  /** `poseidon_runner_losses_total{cause}`: runners destroyed by the reconcilers, by cause. */
  readonly runnerLosses: Counter<'cause'>;
}

/** The reconciler metrics in `registry` (created on first use, reused afterwards). */
export function reconcilerMetrics(registry: Registry): ReconcilerMetrics {
  const label = ['environment_id'] as const;
  return {
    outcomes: counter(
      registry,
      'poseidon_reconcile_outcomes_total',
      'Writes of the reconcilers by object and outcome.',
      ['controller', 'object', 'outcome'],
    ),
    idleRunners: gauge(registry, 'poseidon_idle_runners', 'Idle runners ready to be claimed, per environment.', label),
    usedRunners: gauge(registry, 'poseidon_used_runners', 'Claimed runners, per environment.', label),
    desiredIdleRunners: gauge(
      registry,
      'poseidon_desired_idle_runners',
      'Prewarming pool size, per environment.',
      label,
    ),
    claimDuration: histogram(registry),
    runnerLosses: counter(registry, 'poseidon_runner_losses_total', 'Runners destroyed by the reconcilers.', ['cause']),
  };
}

/** Counts one write. */
export function countOutcome(
  metrics: ReconcilerMetrics,
  controller: ControllerName,
  object: ObjectKind,
  outcome: WriteOutcome,
): void {
  metrics.outcomes.inc({ controller, object, outcome });
}

/** Counts one runner loss. */
export function countLoss(metrics: ReconcilerMetrics, cause: RunnerLossCause): void {
  metrics.runnerLosses.inc({ cause });
}

function counter<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[]) {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<T>;
  return new Counter<T>({ name, help, labelNames, registers: [registry] });
}

function gauge<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[]) {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<T>;
  return new Gauge<T>({ name, help, labelNames, registers: [registry] });
}

function histogram(registry: Registry): Histogram<'result'> {
  const name = 'poseidon_claim_duration_seconds';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<'result'>;
  return new Histogram<'result'>({
    name,
    help: 'Latency of runner claims (pick an idle runner and write the claim).',
    labelNames: ['result'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
}
