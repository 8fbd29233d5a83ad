/**
 * Work queue metrics with controller-runtime's names, labelled by queue `name`.
 */
import type { Registry } from 'prom-client';
import { counterOf, exponentialBuckets, gaugeOf, histogramOf } from './get-or-create';

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
}

/** Registers (or reuses) the work queue metrics in `registry` and binds them to the queue `name`. */
export function workQueueMetrics(registry: Registry, name: string): WorkQueueMetrics {
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
  return {
    added: () => adds.inc(bound),
    depth: (value) => depth.set(bound, value),
    queued: (ms) => queueDuration.observe(bound, ms / 1000),
    worked: (ms) => workDuration.observe(bound, ms / 1000),
    retried: () => retries.inc(bound),
  };
}
