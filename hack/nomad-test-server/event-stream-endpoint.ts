/**
 * `GET /v1/event/stream` of the double (a hijacked `Connection: close` response, as Nomad >= 1.11.2): NDJSON frames `{"Index":N,"Events":[...]}`, the heartbeat `{}` at once and
 * then every `heartbeatMs`, topic and namespace filters, Nomad's start index rule (event-broker.ts). Fault switches:
 * drop every stream (the connection is cut, as by a server restart) and stall them (nothing more is written, not
 * even heartbeats: a silent partition).
 */
import type { ServerResponse } from 'node:http';
import type { RuntimeClock } from '../../controllers/runtime/timers';
import type { ClusterState } from './cluster-state';
import { parseTopics } from './event-broker';
import type { Route } from './http-kit';
import { HttpError } from './sim-types';

/** Largest backlog a slow or stalled subscriber may build before it is cut off. */
const MAX_BACKLOG_BYTES = 64 * 1024 * 1024;

/** Streams and their switches. */
export class EventStreams {
  private readonly open = new Set<{ res: ServerResponse; flush: () => void }>();
  private stalled = false;

  /** Number of open streams. */
  get count(): number {
    return this.open.size;
  }

  /** Cuts every open stream. */
  dropAll(): void {
    for (const stream of this.open) stream.res.destroy();
  }

  /** Stops (true) or resumes (false) writing to every stream, heartbeats included. */
  stall(stalled: boolean): void {
    this.stalled = stalled;
    if (!stalled) for (const stream of this.open) stream.flush();
  }

  /** The route. */
  route(state: ClusterState, clock: RuntimeClock, heartbeatMs: number, onFrame?: (frame: unknown) => void): Route {
    return {
      method: 'GET',
      path: '/v1/event/stream',
      operation: 'streamEvents',
      handler: (c) => {
        // As EventStream in command/agent/event_endpoint.go: the index first (strconv.Atoi), then the topics.
        const indexText = c.query.get('index') || '0';
        if (!/^[+-]?\d+$/.test(indexText)) {
          throw new HttpError(
            400,
            `Unable to parse index: strconv.Atoi: parsing ${JSON.stringify(indexText)}: invalid syntax`,
          );
        }
        // A negative index becomes a huge uint64 on the server: newer than every entry.
        const parsed = Number(indexText);
        const index = parsed < 0 ? Number.MAX_SAFE_INTEGER : parsed;
        let topics;
        try {
          topics = parseTopics(c.query.getAll('topic'));
        } catch (error) {
          throw new HttpError(400, `Invalid topic query: ${(error as Error).message}`);
        }
        return this.serve(c.res, state, clock, heartbeatMs, { topics, namespace: c.namespace, index, onFrame });
      },
    };
  }

  private serve(
    res: ServerResponse,
    state: ClusterState,
    clock: RuntimeClock,
    heartbeatMs: number,
    options: {
      topics: ReturnType<typeof parseTopics>;
      namespace: string;
      index: number;
      onFrame?: (frame: unknown) => void;
    },
  ): Promise<void> {
    // Nomad >= 1.11.2 hijacks the connection: a bare 200 with `Connection: close`, no chunked encoding, and the
    // NDJSON body until the connection closes.
    res.useChunkedEncodingByDefault = false;
    res.shouldKeepAlive = false;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', Connection: 'close' });
    res.flushHeaders();
    const backlog: string[] = [];
    const flush = () => {
      while (!this.stalled && backlog.length > 0 && !res.destroyed) res.write(backlog.shift());
      if (res.writableLength > MAX_BACKLOG_BYTES) res.destroy();
    };
    const write = (frame: object) => {
      options.onFrame?.(frame);
      backlog.push(`${JSON.stringify(frame)}\n`);
      flush();
    };
    const stream = { res, flush };
    this.open.add(stream);
    write({});
    const unsubscribe = state.broker.subscribe(
      { deliver: (frame) => write(frame), topics: options.topics, namespace: options.namespace },
      options.index,
    );
    let timer = clock.setTimeout(beat, heartbeatMs);
    function beat() {
      if (!stalledNow()) write({});
      timer = clock.setTimeout(beat, heartbeatMs);
    }
    const stalledNow = () => this.stalled;
    return new Promise((resolve) => {
      res.on('close', () => {
        clock.clearTimeout(timer);
        unsubscribe();
        this.open.delete(stream);
        resolve();
      });
    });
  }
}
