/**
 * The event feed over Nomad's `GET /v1/event/stream` (NDJSON): topics Job, Allocation and Evaluation, filtered to
 * this project's jobs, heartbeats `{}` skipped, frames de-duplicated by index, and a reconnect with backoff that
 * resumes from the last index when the connection ends, fails or stays silent past the idle limit.
 *
 * Gap detection (the caller must re-list): Nomad's `index` is inclusive, so a resumed stream whose buffer still holds
 * the last frame we saw delivers that frame again first. A first frame with a higher index means the buffer lost it
 * (restart, restore, or "index too old", which Nomad answers silently from its oldest entry); a lower one means the
 * index went backwards. Both end the feed with `Conflict` / `details.reason = 'gap'`.
 */
import { request } from 'undici';
import { PoseidonError } from '../../../crds/errors';
import type { BackendEvent, EventFeedPort } from '../../../reconcilers/ports';
import { classifyNomadFailure, transportFailure } from './nomad-errors';
import type { NomadMetrics } from './nomad-metrics';
import type { NomadTransport } from './nomad-transport';
import type { NomadEventFrame } from './nomad-wire';
import { ndjsonLines } from './ndjson-lines';
import { backendEventOf } from './parse-event';

/** The topics this project subscribes to (a bare topic would also work; Nomad needs explicit ones for ACLs). */
export const EVENT_TOPICS = ['Job:*', 'Allocation:*', 'Evaluation:*'] as const;

/** Where a (re)connection should start, and whether that index is one we saw as a frame. */
interface Cursor {
  index: number;
  confirmed: boolean;
}

/** The feed. `currentIndex` answers the index to start from for "from now" (fromIndex 0). */
export class NomadEventStreamSource implements EventFeedPort {
  constructor(
    private readonly transport: NomadTransport,
    private readonly metrics: NomadMetrics,
    private readonly currentIndex: (signal: AbortSignal) => Promise<number>,
  ) {}

  /** See EventFeedPort. Reconnects internally; throws `BackendUnavailable` after the outage limit. */
  async *events(fromIndex: number, signal: AbortSignal): AsyncGenerator<readonly BackendEvent[]> {
    const cursor: Cursor = { index: fromIndex, confirmed: false };
    if (fromIndex <= 0) cursor.index = await this.currentIndex(signal);
    let failures = 0;
    let failingSince: number | undefined;
    let reconnect = false;
    while (!signal.aborted) {
      let healthy = false;
      try {
        for await (const batch of this.connection(cursor, reconnect, signal, () => (healthy = true))) yield batch;
        this.metrics.streamConnections.inc({ outcome: 'closed' });
      } catch (error) {
        if (signal.aborted) return;
        if (isGap(error) || (error instanceof PoseidonError && !error.retryable)) throw error;
        this.metrics.streamConnections.inc({ outcome: 'failed' });
        this.transport.config.logger.debug({ err: error, index: cursor.index }, 'nomad event stream broke');
      }
      if (healthy) {
        failures = 0;
        failingSince = undefined;
      }
      const now = this.transport.config.clock.now();
      failingSince ??= now;
      if (now - failingSince > this.transport.config.eventMaxOutageMs) {
        throw new PoseidonError('BackendUnavailable', `Nomad event stream unavailable for ${now - failingSince} ms`);
      }
      await this.sleep(this.backoff(failures++), signal);
      reconnect = true;
    }
  }

  private async *connection(
    cursor: Cursor,
    reconnect: boolean,
    signal: AbortSignal,
    onData: () => void,
  ): AsyncGenerator<BackendEvent[]> {
    const local = new AbortController();
    const stop = () => local.abort(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    const watchdog = this.watchdog(local);
    try {
      const body = await this.open(cursor.index, local.signal);
      this.metrics.streamConnections.inc({ outcome: 'connected' });
      const resumeFrom = cursor.index;
      let first = true;
      for await (const line of ndjsonLines(watchdog.observe(body))) {
        onData();
        const frame = parseFrame(line);
        if (frame.Index === undefined || frame.Index === 0) continue;
        if (first) this.checkContinuity(cursor, reconnect, frame.Index, resumeFrom);
        first = false;
        if (frame.Index <= cursor.index) continue;
        cursor.index = frame.Index;
        cursor.confirmed = true;
        const events = (frame.Events ?? []).map(backendEventOf).filter((e): e is BackendEvent => e !== undefined);
        if (events.length > 0) yield events;
      }
    } finally {
      watchdog.stop();
      signal.removeEventListener('abort', stop);
      local.abort();
    }
  }

  /**
   * The first frame of a connection must be the entry we resume from (Nomad re-sends it). A higher one is a gap when
   * we saw that entry as a frame, and also on a reconnect from the caller's list index: the entry at that index
   * changed a job or an allocation, so it is buffered unless the buffer lost it (at worst, an entry of another
   * namespace costs one needless re-list). The first connection after a list trusts the list index.
   */
  private checkContinuity(cursor: Cursor, reconnect: boolean, firstIndex: number, resumeFrom: number): void {
    if (resumeFrom <= 0) return;
    if (firstIndex < resumeFrom)
      throw this.gap('index-reset', `event index went backwards (${firstIndex} < ${resumeFrom})`);
    if ((cursor.confirmed || reconnect) && firstIndex > resumeFrom) {
      throw this.gap(
        'buffer-lost',
        `event ${resumeFrom} is no longer buffered; events up to ${firstIndex} may be lost`,
      );
    }
  }

  private gap(reason: string, message: string): PoseidonError {
    this.metrics.streamGaps.inc({ reason });
    return new PoseidonError('Conflict', `Nomad ${message}`, { details: { reason: 'gap', cause: reason } });
  }

  private async open(index: number, signal: AbortSignal): Promise<AsyncIterable<Buffer>> {
    const url = new URL('/v1/event/stream', this.transport.config.baseUrl);
    for (const topic of EVENT_TOPICS) url.searchParams.append('topic', topic);
    url.searchParams.set('index', String(Math.max(0, index)));
    for (const [key, value] of Object.entries(this.transport.query({}))) url.searchParams.set(key, String(value));
    let response;
    try {
      response = await request(url, {
        dispatcher: this.transport.dispatcher,
        headers: { ...this.transport.headers(), accept: 'application/json' },
        signal,
        bodyTimeout: 0,
        headersTimeout: this.transport.config.requestTimeoutMs,
      });
    } catch (error) {
      throw transportFailure('GET', '/v1/event/stream', error);
    }
    if (response.statusCode !== 200) {
      const body = (await response.body.text().catch(() => '')).trim();
      throw classifyNomadFailure({ method: 'GET', path: '/v1/event/stream', status: response.statusCode, body });
    }
    return response.body;
  }

  /** Aborts the connection when no byte arrived for the idle limit (heartbeats come every 30 s). */
  private watchdog(connection: AbortController) {
    const { clock, eventIdleTimeoutMs } = this.transport.config;
    const fire = () => {
      this.metrics.streamConnections.inc({ outcome: 'idle' });
      connection.abort(new Error(`event stream silent for ${eventIdleTimeoutMs} ms`));
    };
    let timer = clock.setTimeout(fire, eventIdleTimeoutMs);
    const rearm = () => {
      clock.clearTimeout(timer);
      timer = clock.setTimeout(fire, eventIdleTimeoutMs);
    };
    return {
      async *observe(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
        for await (const chunk of body) {
          rearm();
          yield chunk;
        }
      },
      stop: () => clock.clearTimeout(timer),
    };
  }

  private backoff(failures: number): number {
    const { initial, max } = this.transport.config.eventBackoffMs;
    const base = Math.min(max, initial * 2 ** Math.min(failures, 20));
    return base / 2 + (base / 2) * this.transport.config.random();
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    const { clock } = this.transport.config;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clock.clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}

function parseFrame(line: string): NomadEventFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(line);
  } catch {
    throw new PoseidonError('BackendUnavailable', `Nomad event stream ended with: ${line.slice(0, 200)}`);
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    throw new PoseidonError('BackendUnavailable', 'Nomad event stream sent a frame that is not an object');
  }
  return frame as NomadEventFrame;
}

function isGap(error: unknown): boolean {
  return error instanceof PoseidonError && (error.details as { reason?: unknown } | undefined)?.reason === 'gap';
}
