/**
 * The facade's Prometheus metrics, on the registry the caller passes in (get-or-create, so several servers can share
 * one registry): requests by route and status, request latency, and executions by outcome with their duration.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counterOf, exponentialBuckets, gaugeOf, histogramOf } from '../../controllers/metrics/get-or-create';

/** The facade's metrics. */
export interface ApiMetrics {
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly requestSeconds: Histogram<'method' | 'route'>;
  readonly executions: Counter<'outcome'>;
  readonly executionSeconds: Histogram<'outcome'>;
  readonly liveExecutions: Gauge<never>;
}

/** Creates (or finds) the facade's metrics in `registry`. */
export function apiMetrics(registry: Registry): ApiMetrics {
  return {
    requests: counterOf(registry, {
      name: 'poseidon_api_requests_total',
      help: 'HTTP requests answered by the API, by route pattern and status.',
      labelNames: ['method', 'route', 'status'],
    }),
    requestSeconds: histogramOf(registry, {
      name: 'poseidon_api_request_duration_seconds',
      help: 'Time from a request to its response headers, by route pattern.',
      labelNames: ['method', 'route'],
      buckets: exponentialBuckets(0.0005, 2, 16),
    }),
    executions: counterOf(registry, {
      name: 'poseidon_executions_total',
      help: 'WebSocket executions by how they ended (exit, timeout, error, clientClosed, stuck).',
      labelNames: ['outcome'],
    }),
    executionSeconds: histogramOf(registry, {
      name: 'poseidon_execution_duration_seconds',
      help: 'Duration of WebSocket executions from connect to end.',
      labelNames: ['outcome'],
      buckets: exponentialBuckets(0.01, 2, 16),
    }),
    liveExecutions: gaugeOf(registry, {
      name: 'poseidon_executions_live',
      help: 'WebSocket executions currently attached.',
      labelNames: [],
    }),
  };
}
