/**
 * `/runners` (claim), `/runners/{id}` (release), `/runners/{id}/execute` (register an execution) and the plain-GET
 * side of `/runners/{id}/websocket` (the upgrade itself is the WebSocket gateway's).
 */
import type { Request, RequestHandler } from 'express';
import { PoseidonError, hasErrorCode } from '../../crds/errors';
import { MAX_ENVIRONMENT_ID } from '../decode/path-id';
import { decodeClaimBody, decodeExecutionBody } from '../decode/request-bodies';
import { ApiError } from '../errors/api-error';
import { checkExecution } from '../executions/attach-checks';
import { sendEmpty, sendJson } from '../http/go-json';
import { queryValue } from '../http/query';
import { readBody } from '../http/read-body';
import type { RouteDefinition } from '../http/route-table';
import type { RouteContext } from './route-context';
import { lookupRunner, runnerOf } from './runner-lookup';

function claim(context: RouteContext): RequestHandler {
  return async (req, res) => {
    const body = decodeClaimBody(await readBody(req, context.config.maxBodyBytes));
    const environmentId = body.executionEnvironmentId;
    if (environmentId < 0 || environmentId > MAX_ENVIRONMENT_ID) {
      throw new PoseidonError('EnvironmentNotFound', 'execution environment not found');
    }
    const runner = await context.services.runners.claim(environmentId, body.inactivityTimeout);
    const mappedPorts = runner.mappedPorts.map(({ exposedPort, hostAddress }) => ({ exposedPort, hostAddress }));
    sendJson(res, 200, { runnerId: runner.id, mappedPorts });
  };
}

function release(context: RouteContext): RequestHandler {
  return async (_req, res) => {
    try {
      await context.services.runners.release(runnerOf(res).id);
    } catch (error) {
      if (hasErrorCode(error, 'RunnerGone')) throw error;
      // The original answers every failed release with NOMAD_INTERNAL_SERVER_ERROR.
      const message = error instanceof Error ? error.message : String(error);
      throw new PoseidonError('BackendUnavailable', message, { cause: error });
    }
    sendEmpty(res, 204);
  };
}

/** `host[:port]` from the Host header, or the local address when the header is missing or not a plain authority. */
function authorityOf(req: Request): string {
  const host = req.headers.host;
  if (host !== undefined && /^[A-Za-z0-9.\-_~%]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host)) return host;
  const address = req.socket.localAddress ?? '127.0.0.1';
  const bracketed = address.includes(':') ? `[${address}]` : address;
  return `${bracketed}:${req.socket.localPort ?? 0}`;
}

function execute(context: RouteContext): RequestHandler {
  return async (req, res) => {
    const execution = decodeExecutionBody(await readBody(req, context.config.maxBodyBytes));
    const runnerId = runnerOf(res).id;
    const executionId = context.stored.add(runnerId, execution);
    const scheme = context.config.tls ? 'wss' : 'ws';
    const path = `/api/v1/runners/${encodeURIComponent(runnerId)}/websocket`;
    const websocketUrl = `${scheme}://${authorityOf(req)}${path}?executionID=${executionId}`;
    sendJson(res, 200, { websocketUrl });
  };
}

/** A plain GET on the attach route: the attach checks, then 400 because it is no WebSocket handshake. */
function notUpgraded(context: RouteContext): RequestHandler {
  return (req, res) => {
    checkExecution(context.services.runners, context.stored, runnerOf(res).id, queryValue(req, 'executionID') ?? '');
    throw new ApiError(
      'NotWebSocket',
      "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header",
    );
  };
}

/** The routes. */
export function runnerRoutes(context: RouteContext): RouteDefinition[] {
  const lookup = lookupRunner(context.services.runners);
  return [
    { path: '/api/v1/runners', methods: { POST: [context.auth, claim(context)] } },
    { path: '/api/v1/runners/:runnerId', methods: { DELETE: [context.auth, lookup, release(context)] } },
    { path: '/api/v1/runners/:runnerId/execute', methods: { POST: [context.auth, lookup, execute(context)] } },
    { path: '/api/v1/runners/:runnerId/websocket', methods: { GET: [context.auth, lookup, notUpgraded(context)] } },
  ];
}
