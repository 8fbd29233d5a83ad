/**
 * A faithful double of the Nomad HTTP + WebSocket API on loopback, for tests of the Nomad adapter and for running the
 * whole service against "Nomad" on one machine (`npm run nomad:dev -- --port PORT`). It keeps jobs, allocations,
 * evaluations and variables with Nomad's index semantics and event stream, runs allocations on the embedded
 * backend's sandboxes (or a mock driver), and has fault switches as a TypeScript API and under `/_test/`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import pino, { type Logger } from 'pino';
import type { NomadJobRegisterResponse, NomadNode } from '../../controllers/backends/nomad/nomad-wire';
import { systemClock, type RuntimeClock } from '../../controllers/runtime/timers';
import { adminRoutes, type TestControls } from './admin-routes';
import type { AllocationRuntime } from './allocation-runtime';
import { apiRoutes } from './api-routes';
import { ClientNode } from './client-node';
import { ClusterState } from './cluster-state';
import { createEmbeddedRuntime } from './embedded-runtime';
import { EventStreams } from './event-stream-endpoint';
import { ExecEndpoint } from './exec-endpoint';
import { FaultSwitches } from './fault-switches';
import {
  compileRoutes,
  matchRoute,
  readJsonBody,
  sendJson,
  sendText,
  tokenMatches,
  tokenOf,
  type CompiledRoute,
  type HandlerResult,
  type RequestContext,
} from './http-kit';
import { JobOperations } from './job-operations';
import { createMockRuntime } from './mock-runtime';
import { OpenApiValidator } from './openapi-validator';
import { Scheduler } from './scheduler';
import { HttpError, isTerminal } from './sim-types';
import { VariableOperations } from './variable-operations';

/** Options of {@link startNomadTestServer}; everything has a default. */
export interface NomadTestServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** ACL token every API call must present; empty = ACLs disabled. */
  readonly token?: string;
  /** `embedded` (default: real sandboxes), `mock` (nothing runs), or a runtime of your own. */
  readonly runtime?: 'embedded' | 'mock' | AllocationRuntime;
  /** State directory of the embedded runtime; default a temporary directory removed on close. */
  readonly embeddedStateDir?: string;
  readonly rootfs?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
  readonly clock?: RuntimeClock;
  readonly newId?: () => string;
  /** Raft entries kept for event replay. Default 100 (Nomad's default). */
  readonly eventBufferSize?: number;
  /** Event stream heartbeat period. Default 30 000 ms (Nomad's). */
  readonly heartbeatMs?: number;
  /** Concurrent connections per client IP before a raw 429. Default 0 = unlimited (Poseidon's required setting). */
  readonly maxConnsPerClient?: number;
  /** Delay of in-place task restarts and of reschedules. Defaults 200 ms (Nomad: 15 s and 1 min). */
  readonly restartDelayMs?: number;
  readonly rescheduleDelayMs?: number;
  /** Check every JSON answer and frame against hack/openapi/nomad.yaml; violations land in `violations`. */
  readonly validateResponses?: boolean;
}

/** A running double. */
export interface NomadTestServer extends TestControls {
  readonly url: string;
  readonly port: number;
  readonly state: ClusterState;
  /** Requests per operationId since start (or the last `resetStats`). */
  readonly requests: Map<string, number>;
  /** OpenAPI violations found in the server's own answers (with `validateResponses`). */
  readonly violations: readonly string[];
  /** Registers a job directly (no HTTP), for seeding large states. */
  registerJob(body: unknown, namespace?: string): NomadJobRegisterResponse;
  /** Resolves when the scheduler has nothing queued. */
  settled(): Promise<void>;
  resetStats(): void;
  close(): Promise<void>;
}

/** Starts the double. */
export async function startNomadTestServer(options: NomadTestServerOptions = {}): Promise<NomadTestServer> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? systemClock();
  const newId = options.newId ?? randomUUID;
  const runtime = await runtimeOf(options, logger);
  const state = new ClusterState({ clock, newId, eventBufferSize: options.eventBufferSize ?? 100 });
  const faults = new FaultSwitches();
  let failPlacements = false;
  const nodeId = newId();
  const scheduler = new Scheduler({
    state,
    node: { ID: nodeId, Name: 'nomad-test-node' },
    newId,
    placementsFail: () => failPlacements,
  });
  const timing = { restartDelayMs: options.restartDelayMs ?? 200, rescheduleDelayMs: options.rescheduleDelayMs ?? 200 };
  const client = new ClientNode({
    state,
    runtime,
    timing,
    clock,
    newId,
    logger,
    enqueueEval: (id) => scheduler.enqueue(id),
  });
  scheduler.attach(client);
  runtime.onTaskDeath((death) => client.taskDied(death.allocationId, death.message, false));
  const validator = options.validateResponses ? new OpenApiValidator() : undefined;
  const jobs = new JobOperations(state, scheduler, newId);
  const streams = new EventStreams();
  const exec = new ExecEndpoint(
    state,
    runtime,
    options.token ?? '',
    validator && ((f) => validator.component('ExecStreamingOutput', f)),
  );
  const requests = new Map<string, number>();
  let port = 0;
  const node = (): NomadNode => nodeWire(nodeId, `127.0.0.1:${port}`);
  const api = compileRoutes([
    ...apiRoutes({ state, jobs, variables: new VariableOperations(state), node, agentName: 'nomad-test-node' }),
    streams.route(
      state,
      clock,
      options.heartbeatMs ?? 30_000,
      validator && ((f) => validator.component('EventFrame', f)),
    ),
  ]);
  const controls: TestControls = {
    dropEventStreams: () => streams.dropAll(),
    stallEventStreams: (stalled) => streams.stall(stalled),
    restartServer: async ({ wipe = false } = {}) => {
      streams.dropAll();
      state.broker.clear();
      if (!wipe) return;
      exec.breakAll();
      client.close();
      await Promise.all(
        [...state.allocs.values()].filter((a) => !isTerminal(a)).map((a) => runtime.stop(a.ID).catch(() => undefined)),
      );
      state.wipe();
    },
    restartAgent: () => exec.breakAll(),
    oomKill: (id) => client.taskDied(id, 'OOM Killed', true),
    reschedule: (id) => client.fail(id, 'Killing', 'rescheduled by the test server'),
    lose: (id) => client.lose(id),
    failPlacements: (fail) => {
      failPlacements = fail;
      if (!fail) scheduler.unblock();
    },
    failRequests: (failure) => faults.failRequests(failure),
    setLatency: (ms) => (faults.latencyMs = Math.max(0, ms)),
    resetFaults: () => {
      faults.reset();
      streams.stall(false);
      controls.failPlacements(false);
    },
    stats: () => ({
      requests: Object.fromEntries(requests),
      eventStreams: streams.count,
      execSessions: exec.count,
      index: state.index,
    }),
  };
  const admin = compileRoutes(adminRoutes(controls));
  const handle = requestHandler({ api, admin, token: options.token ?? '', faults, requests, validator, clock });
  const server = createServer((req, res) => void handle(req, res));
  const sockets = trackConnections(server, options.maxConnsPerClient ?? 0);
  server.on('upgrade', (req, socket, head) => {
    if (!exec.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const ownRuntime = typeof options.runtime !== 'object';
  return {
    ...controls,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    state,
    requests,
    get violations() {
      return validator?.violations ?? [];
    },
    registerJob: (body, namespace) => jobs.register(body, namespace),
    settled: () => scheduler.settled(),
    resetStats: () => requests.clear(),
    close: async () => {
      streams.dropAll();
      exec.close();
      client.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      if (ownRuntime) await runtime.close();
    },
  };
}

async function runtimeOf(options: NomadTestServerOptions, logger: Logger): Promise<AllocationRuntime> {
  if (typeof options.runtime === 'object') return options.runtime;
  if (options.runtime === 'mock') return createMockRuntime();
  return createEmbeddedRuntime({ logger, stateDir: options.embeddedStateDir, rootfs: options.rootfs });
}

interface HandlerDeps {
  readonly api: CompiledRoute[];
  readonly admin: CompiledRoute[];
  readonly token: string;
  readonly faults: FaultSwitches;
  readonly requests: Map<string, number>;
  readonly validator: OpenApiValidator | undefined;
  readonly clock: RuntimeClock;
}

function requestHandler(deps: HandlerDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const isAdmin = url.pathname.startsWith('/_test/');
    const found = matchRoute(isAdmin ? deps.admin : deps.api, method, url.pathname);
    if (found === undefined) return sendText(res, 404, '');
    if (found === 'methodMismatch')
      return sendText(res, url.pathname.startsWith('/v1/var/') ? 400 : 405, 'Invalid method');
    const { route, params } = found;
    if (!isAdmin) {
      deps.requests.set(route.operation, (deps.requests.get(route.operation) ?? 0) + 1);
      if (deps.token && !tokenMatches(tokenOf(req), deps.token)) return sendText(res, 403, 'Permission denied');
      if (deps.faults.latencyMs > 0) await sleep(deps.clock, deps.faults.latencyMs);
      const failure = deps.faults.takeFailure(method, url.pathname);
      if (failure) return sendText(res, failure.status, failure.body);
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const context: RequestContext = {
      req,
      res,
      params,
      query: url.searchParams,
      namespace: url.searchParams.get('namespace') || 'default',
      signal: abort.signal,
      body: () => readJsonBody(req),
    };
    try {
      answer(res, route.operation, await route.handler(context), deps.validator);
    } catch (error) {
      fail(res, route.operation, error, deps.validator);
    }
  };
}

function answer(
  res: ServerResponse,
  operation: string,
  result: HandlerResult,
  validator: OpenApiValidator | undefined,
): void {
  if (!result || res.headersSent) return;
  const status = result.status ?? 200;
  if (status === 204) {
    res.writeHead(204, result.index === undefined ? {} : { 'X-Nomad-Index': String(result.index) });
    res.end();
  } else {
    sendJson(res, status, result.json, result.index, result.headers);
  }
  if (operation !== 'admin') validator?.response(operation, status, result.json, status !== 204);
}

function fail(res: ServerResponse, operation: string, error: unknown, validator: OpenApiValidator | undefined): void {
  if (!(error instanceof HttpError)) {
    sendText(res, 500, (error as Error).message ?? String(error));
    return void validator?.response(operation, 500, undefined, false);
  }
  if (error.json !== undefined) {
    const index = (error.json as { ModifyIndex?: number }).ModifyIndex ?? 0;
    sendJson(res, error.status, error.json, index);
  } else {
    sendText(
      res,
      error.status,
      error.message,
      error.index === undefined ? {} : { 'X-Nomad-Index': String(error.index) },
    );
  }
  validator?.response(operation, error.status, error.json, error.json !== undefined);
}

/** Tracks sockets (to close them) and refuses connections beyond the per-IP cap with Nomad's raw 429. */
function trackConnections(server: Server, cap: number): Set<Socket> {
  const sockets = new Set<Socket>();
  const perClient = new Map<string, number>();
  server.on('connection', (socket) => {
    const client = socket.remoteAddress ?? '';
    const count = (perClient.get(client) ?? 0) + 1;
    if (cap > 0 && count > cap) {
      socket.end(
        'HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nYour IP is issuing too many concurrent connections, please rate limit your calls\n',
      );
      return;
    }
    perClient.set(client, count);
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      perClient.set(client, (perClient.get(client) ?? 1) - 1);
    });
  });
  return sockets;
}

function nodeWire(id: string, httpAddr: string): NomadNode {
  return {
    ID: id,
    Name: 'nomad-test-node',
    Datacenter: 'dc1',
    NodePool: 'default',
    HTTPAddr: httpAddr,
    TLSEnabled: false,
    Attributes: { 'driver.docker': '1', 'unique.hostname': 'nomad-test-node' },
    Meta: null,
    NodeClass: '',
    Drain: false,
    SchedulingEligibility: 'eligible',
    Status: 'ready',
    StatusDescription: '',
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

function sleep(clock: RuntimeClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
