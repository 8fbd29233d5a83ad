/**
 * Reconcile metrics with controller-runtime's names, labelled by `controller`.
 */
import type { Registry } from 'prom-client';
import { counterOf, gaugeOf, histogramOf } from './get-or-create';

/**
 * Outcomes of one reconcile. The `result` label of `controller_runtime_reconcile_total` takes controller-runtime's
 * values: a terminal error counts as `error` there and in `controller_runtime_terminal_reconcile_errors_total`.
 */
export type ReconcileOutcome = 'success' | 'error' | 'requeue' | 'requeue_after' | 'terminal';

const RESULTS = ['success', 'error', 'requeue', 'requeue_after'] as const;

/** What a controller reports. */
export interface ControllerMetrics {
  /** A reconcile ended with `outcome` after `ms` milliseconds. */
  reconciled(outcome: ReconcileOutcome, ms: number): void;
  /** The number of workers running a reconcile changed by `delta`. */
  activeWorkers(delta: number): void;
}

/** Registers (or reuses) the controller metrics in `registry` and binds them to `controller`. */
export function controllerMetrics(registry: Registry, controller: string, workers: number): ControllerMetrics {
  const total = counterOf(registry, {
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller.',
    labelNames: ['controller', 'result'] as const,
  });
  const errors = counterOf(registry, {
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller.',
    labelNames: ['controller'] as const,
  });
  const terminal = counterOf(registry, {
    name: 'controller_runtime_terminal_reconcile_errors_total',
    help: 'Total number of terminal reconciliation errors per controller.',
    labelNames: ['controller'] as const,
  });
  const time = histogramOf(registry, {
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller.',
    labelNames: ['controller'] as const,
    buckets: [
      0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75,
      2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ],
  });
  const active = gaugeOf(registry, {
    name: 'controller_runtime_active_workers',
    help: 'Number of currently used workers per controller.',
    labelNames: ['controller'] as const,
  });
  const max = gaugeOf(registry, {
    name: 'controller_runtime_max_concurrent_reconciles',
    help: 'Maximum number of concurrent reconciles per controller.',
    labelNames: ['controller'] as const,
  });
  for (const result of RESULTS) total.inc({ controller, result }, 0);
  errors.inc({ controller }, 0);
  terminal.inc({ controller }, 0);
  active.set({ controller }, 0);
  max.set({ controller }, workers);
  return {
    reconciled(outcome, ms) {
      total.inc({ controller, result: outcome === 'terminal' ? 'error' : outcome });
      if (outcome === 'error' || outcome === 'terminal') errors.inc({ controller });
      if (outcome === 'terminal') terminal.inc({ controller });
      time.observe({ controller }, ms / 1000);
    },
    activeWorkers: (delta) => active.inc({ controller }, delta),
  };
}
