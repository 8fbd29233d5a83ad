/**
 * Work queue metrics with controller-runtime's names, labelled by queue `name`.
 */
import { Gauge, type Registry } from 'prom-client';
import { counterOf, exponentialBuckets, gaugeOf, histogramOf } from './get-or-create';

/** Start times (ms) of the keys a queue's workers hold right now, and the current time. */
export interface InFlightProbe {
  startTimes(): Iterable<number>;
  now(): number;
}

/**
 * The probes of every queue sharing one registry's in-flight gauges, by queue name. Keyed by the gauge object, so it
 * holds nothing once the registry is gone.
 */
const probesByGauge = new WeakMap<Gauge<'name'>, Map<string, InFlightProbe>>();

/** What a work queue reports. Durations are in milliseconds (converted to seconds here). */
export interface WorkQueueMetrics {
  /** A key entered the queue (not counted when it was already waiting). */
  added(): void;
  /** The number of waiting keys changed. */
  depth(value: number): void;
  /** A key waited `ms` in the queue before a worker took it. */
  queued(ms: number): void;
  /** A worker finished a key after `ms`. */
  worked(ms: number): void;
  /** A key was re-added with rate limiting. */
  retried(): void;
  /** The queue shut down: its in-flight gauges are no longer reported. */
  close(): void;
}

/**
 * Registers (or reuses) the work queue metrics in `registry` and binds them to the queue `name`. With `inFlight`,
 * `workqueue_unfinished_work_seconds` and `workqueue_longest_running_processor_seconds` are computed from it at
 * every scrape.
 */
export function workQueueMetrics(registry: Registry, name: string, inFlight?: InFlightProbe): WorkQueueMetrics {
  const labels = ['name'] as const;
  const buckets = exponentialBuckets(1e-8, 10, 11);
  const depth = gaugeOf(registry, {
    name: 'workqueue_depth',
    help: 'Current depth of the work queue.',
    labelNames: labels,
  });
  const adds = counterOf(registry, {
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by the work queue.',
    labelNames: labels,
  });
  const retries = counterOf(registry, {
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by the work queue.',
    labelNames: labels,
  });
  const queueDuration = histogramOf(registry, {
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in the work queue before being requested.',
    labelNames: labels,
    buckets,
  });
  const workDuration = histogramOf(registry, {
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from the work queue takes.',
    labelNames: labels,
    buckets,
  });
  const bound = { name };
  depth.set(bound, 0);
  adds.inc(bound, 0);
  retries.inc(bound, 0);
  const probes = inFlight ? inFlightGauges(registry) : undefined;
  if (inFlight) probes?.set(name, inFlight);
  return {
    added: () => adds.inc(bound),
    depth: (value) => depth.set(bound, value),
    queued: (ms) => queueDuration.observe(bound, ms / 1000),
    worked: (ms) => workDuration.observe(bound, ms / 1000),
    retried: () => retries.inc(bound),
    close: () => void probes?.delete(name),
  };
}

/** The probes map behind the two in-flight gauges of `registry`, creating the gauges on first use. */
function inFlightGauges(registry: Registry): Map<string, InFlightProbe> {
  const unfinished = registry.getSingleMetric('workqueue_unfinished_work_seconds');
  if (unfinished instanceof Gauge) {
    const known = probesByGauge.get(unfinished as Gauge<'name'>);
    if (known) return known;
  }
  const probes = new Map<string, InFlightProbe>();
  const seconds = (probe: InFlightProbe): number[] => {
    const now = probe.now();
    return [...probe.startTimes()].map((start) => Math.max(0, now - start) / 1000);
  };
  const gauge = new Gauge<'name'>({
    name: 'workqueue_unfinished_work_seconds',
    help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration.",
    labelNames: ['name'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [queue, probe] of probes)
        this.set(
          { name: queue },
          seconds(probe).reduce((a, b) => a + b, 0),
        );
    },
  });
  new Gauge<'name'>({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'How many seconds has the longest running processor for workqueue been running.',
    labelNames: ['name'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [queue, probe] of probes) this.set({ name: queue }, Math.max(0, ...seconds(probe)));
    },
  });
  probesByGauge.set(gauge, probes);
  return probes;
}
