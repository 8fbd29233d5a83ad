/**
 * Metrics of the Nomad adapter, registered on the registry the caller passes in (a private, unexported registry
 * when none is given, so the adapter never touches a global one).
 */
import { Counter, Histogram, Registry } from 'prom-client';

/** The adapter's instruments. */
export interface NomadMetrics {
  /** API calls by operation and HTTP status (`error` for transport failures). */
  readonly requests: Counter<'operation' | 'code'>;
  readonly requestSeconds: Histogram<'operation'>;
  /** Event stream (re)connections by outcome (`connected`, `failed`, `idle`, `closed`). */
  readonly streamConnections: Counter<'outcome'>;
  /** Gaps the event stream reported (the caller must re-list). */
  readonly streamGaps: Counter<'reason'>;
  /** Exec sessions by result (`exited`, `gone`, `failed`). */
  readonly execs: Counter<'result'>;
}

/** Creates the instruments on `registry` (or on a private registry). */
export function createNomadMetrics(registry: Registry | undefined): NomadMetrics {
  const registers = [registry ?? new Registry()];
  return {
    requests: new Counter({
      name: 'poseidon_nomad_requests_total',
      help: 'Nomad API calls by operation and HTTP status code.',
      labelNames: ['operation', 'code'],
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'poseidon_nomad_request_duration_seconds',
      help: 'Duration of Nomad API calls.',
      labelNames: ['operation'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    streamConnections: new Counter({
      name: 'poseidon_nomad_event_stream_connections_total',
      help: 'Event stream connection attempts and endings by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    streamGaps: new Counter({
      name: 'poseidon_nomad_event_stream_gaps_total',
      help: 'Times the event stream may have lost events and asked for a re-list.',
      labelNames: ['reason'],
      registers,
    }),
    execs: new Counter({
      name: 'poseidon_nomad_execs_total',
      help: 'Alloc exec sessions by result.',
      labelNames: ['result'],
      registers,
    }),
  };
}
