/**
 * The embedded backend's metrics, registered in the registry the caller passes in.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Metric handles of one backend. */
export class EmbeddedMetrics {
  readonly executions: Counter<'tty' | 'outcome'>;
  readonly executionSeconds: Histogram<'tty'>;
  readonly prepareSeconds: Histogram;
  readonly oomKills: Counter;

  /**
   * @param allocations counts of allocations by client status, read at scrape time
   * @param runningExecutions number of running executions, read at scrape time
   */
  constructor(registry: Registry, allocations: () => Record<string, number>, runningExecutions: () => number) {
    this.executions = new Counter({
      name: 'poseidon_embedded_executions_total',
      help: 'Executions in embedded sandboxes by outcome (exited, lost, failed).',
      labelNames: ['tty', 'outcome'],
      registers: [registry],
    });
    this.executionSeconds = new Histogram({
      name: 'poseidon_embedded_execution_duration_seconds',
      help: 'Wall time of executions from sandbox start to exit.',
      labelNames: ['tty'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 120],
      registers: [registry],
    });
    this.prepareSeconds = new Histogram({
      name: 'poseidon_embedded_allocation_prepare_seconds',
      help: 'Time from placement to a running allocation (directories, cgroups, network).',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    });
    this.oomKills = new Counter({
      name: 'poseidon_embedded_oom_kills_total',
      help: 'Processes the kernel OOM-killed inside runner allocations.',
      registers: [registry],
    });
    new Gauge({
      name: 'poseidon_embedded_allocations',
      help: 'Allocations known to the embedded backend by client status.',
      labelNames: ['client_status'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [status, count] of Object.entries(allocations())) this.set({ client_status: status }, count);
      },
    });
    new Gauge({
      name: 'poseidon_embedded_running_executions',
      help: 'Executions currently running in embedded sandboxes.',
      registers: [registry],
      collect() {
        this.set(runningExecutions());
      },
    });
  }
}
