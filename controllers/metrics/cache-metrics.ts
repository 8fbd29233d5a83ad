/**
 * Metrics of the observed cache: event feed reconnects, re-lists by reason, the last applied backend index, and the
 * number of cached objects.
 */
import type { Registry } from 'prom-client';
import { counterOf, gaugeOf } from './get-or-create';

/** Why the cache listed everything again. */
export type RelistReason = 'initial' | 'gap' | 'backwards' | 'periodic' | 'requested' | 'error';

/** What the observed cache reports. */
export interface CacheMetrics {
  reconnected(): void;
  relisted(reason: RelistReason): void;
  lastIndex(index: number): void;
  objects(jobs: number, allocations: number): void;
}

/** Registers (or reuses) the cache metrics in `registry`. */
export function cacheMetrics(registry: Registry): CacheMetrics {
  const reconnects = counterOf(registry, {
    name: 'poseidon_event_feed_reconnects_total',
    help: 'Times the backend event feed was reopened after it failed.',
    labelNames: [],
  });
  const relists = counterOf(registry, {
    name: 'poseidon_cache_relists_total',
    help: 'Full re-lists of the observed cache, by reason.',
    labelNames: ['reason'] as const,
  });
  const index = gaugeOf(registry, {
    name: 'poseidon_event_feed_last_index',
    help: 'Backend index of the last change applied to the observed cache.',
    labelNames: [],
  });
  const objects = gaugeOf(registry, {
    name: 'poseidon_cache_objects',
    help: 'Objects held by the observed cache, by kind.',
    labelNames: ['kind'] as const,
  });
  reconnects.inc(0);
  return {
    reconnected: () => reconnects.inc(),
    relisted: (reason) => relists.inc({ reason }),
    lastIndex: (value) => index.set(value),
    objects(jobs, allocations) {
      objects.set({ kind: 'job' }, jobs);
      objects.set({ kind: 'allocation' }, allocations);
    },
  };
}
