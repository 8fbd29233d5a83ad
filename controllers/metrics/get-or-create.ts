/**
 * Get-or-create helpers for prom-client metrics on a caller-owned registry: several queues, controllers or caches
 * sharing one registry share one metric (told apart by labels) instead of failing on a duplicate registration.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Options shared by the helpers. */
export interface MetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

function existing<T>(registry: Registry, name: string, type: abstract new (...args: never[]) => T): T | undefined {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return undefined;
  if (!(metric instanceof type)) throw new Error(`metric ${name} is already registered with another type`);
  return metric;
}

/** The counter `name` of `registry`, created on first use. */
export function counterOf<L extends string>(registry: Registry, options: MetricOptions<L>): Counter<L> {
  return (
    (existing(registry, options.name, Counter) as Counter<L> | undefined) ??
    new Counter<L>({ ...options, labelNames: [...options.labelNames], registers: [registry] })
  );
}

/** The gauge `name` of `registry`, created on first use. */
export function gaugeOf<L extends string>(registry: Registry, options: MetricOptions<L>): Gauge<L> {
  return (
    (existing(registry, options.name, Gauge) as Gauge<L> | undefined) ??
    new Gauge<L>({ ...options, labelNames: [...options.labelNames], registers: [registry] })
  );
}

/** The histogram `name` of `registry`, created on first use with `buckets` (seconds). */
export function histogramOf<L extends string>(
  registry: Registry,
  options: MetricOptions<L> & { readonly buckets: readonly number[] },
): Histogram<L> {
  return (
    (existing(registry, options.name, Histogram) as Histogram<L> | undefined) ??
    new Histogram<L>({
      ...options,
      labelNames: [...options.labelNames],
      buckets: [...options.buckets],
      registers: [registry],
    })
  );
}

/** Exponential buckets: `count` values starting at `start`, each `factor` times the previous. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}
