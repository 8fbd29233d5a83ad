/**
 * The WebSocket side of the server: takes HTTP upgrades, runs the attach checks (token, runner, execution id, origin,
 * handshake), answers failures with the catalog's status and body on the raw socket, and otherwise pops the stored
 * execution (single use), records runner activity and starts an {@link ExecutionSession}. Upgrades to any other
 * path are handed to the REST app as ordinary requests.
 */
import { STATUS_CODES, ServerResponse, type IncomingMessage, type RequestListener } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { problemOf } from '../errors/error-catalog';
import { goJson } from '../http/go-json';
import type { TokenCheck } from '../http/auth';
import type { ExecutionBody } from '../decode/request-bodies';
import type { ApiMetrics } from '../metrics/api-metrics';
import { checkExecution, checkHandshake, checkOrigin, WEBSOCKET_PATH } from './attach-checks';
import { ExecutionSession, type SessionDeps } from './execution-session';
import type { StoredExecutions } from './stored-executions';

/** What the gateway needs. */
export interface GatewayDeps extends Omit<SessionDeps, 'onFinished'> {
  readonly tokenCheck: TokenCheck;
  readonly stored: StoredExecutions;
  readonly metrics: ApiMetrics;
  readonly maxMessageBytes: number;
  /** The REST app, for upgrade requests to other paths. */
  readonly app: RequestListener;
}

interface Live {
  readonly socket: WebSocket;
  readonly session: ExecutionSession;
}

function writeRaw(socket: Duplex, status: number, body?: object): void {
  const payload = body === undefined ? '' : goJson(body);
  const type = body === undefined ? '' : 'Content-Type: application/json\r\n';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n${type}` +
      `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
  );
}

/** A percent-decoded path segment (a malformed one stays as it is and names no runner). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Accepts WebSocket attaches and keeps track of the live executions. */
export class WebSocketGateway {
  private readonly server: WebSocketServer;
  private readonly live = new Set<Live>();

  constructor(private readonly deps: GatewayDeps) {
    this.server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: deps.maxMessageBytes,
      handleProtocols: () => false,
    });
  }

  /** Number of live executions. */
  get size(): number {
    return this.live.size;
  }

  /** The server's `upgrade` listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = WEBSOCKET_PATH.exec(url.pathname);
    if (!match) return this.toApp(req, socket);
    if (req.method !== 'GET') return writeRaw(socket, 405);
    if (!this.deps.tokenCheck(req.headers)) return writeRaw(socket, 401);
    const executionId = url.searchParams.get('executionID') ?? '';
    const runnerId = decodeSegment(match[1] as string);
    try {
      checkExecution(this.deps.runners, this.deps.stored, runnerId, executionId);
      checkOrigin(req.headers);
      checkHandshake(req.method, req.headers);
    } catch (error) {
      const problem = problemOf(error);
      return writeRaw(socket, problem.status, problem.body);
    }
    const execution = this.deps.stored.take(runnerId, executionId);
    if (!execution) return writeRaw(socket, 404, { message: 'execution id unknown' });
    this.deps.runners.touch(runnerId);
    this.server.handleUpgrade(req, socket, head, (ws) => this.attach(ws, runnerId, execution));
  }

  /** Ends every live execution (an `error` message, Close 1000) and cuts sockets still open after `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    const closing = [...this.live].map(
      ({ socket, session }) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === socket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          session.shutdown();
          const timer = this.deps.clock.setTimeout(() => socket.terminate(), graceMs);
          socket.once('close', () => this.deps.clock.clearTimeout(timer));
        }),
    );
    await Promise.all(closing);
    this.server.close();
  }

  private attach(socket: WebSocket, runnerId: string, execution: ExecutionBody): void {
    const { metrics } = this.deps;
    metrics.liveExecutions.inc();
    const live: Live = {
      socket,
      session: new ExecutionSession(socket, runnerId, execution, {
        ...this.deps,
        onFinished: (outcome, durationMs) => {
          metrics.liveExecutions.dec();
          metrics.executions.inc({ outcome });
          metrics.executionSeconds.observe({ outcome }, durationMs / 1000);
          this.deps.logger.debug({ runnerId, outcome, durationMs }, 'execution finished');
        },
      }),
    };
    this.live.add(live);
    socket.once('close', () => this.live.delete(live));
  }

  /** Serves a non-WebSocket upgrade request (e.g. `Upgrade: h2c`) as a plain HTTP/1.1 request. */
  private toApp(req: IncomingMessage, socket: Duplex): void {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => socket.end());
    this.deps.app(req, res);
  }
}
