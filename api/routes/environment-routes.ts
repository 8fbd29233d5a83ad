/**
 * `/execution-environments` and `/execution-environments/{id}`: list, get (both with `?fetch=`), create-or-replace
 * (201 / 204) and delete (204 / 404, empty).
 */
import type { Request, RequestHandler } from 'express';
import { PoseidonError } from '../../crds/errors';
import { parseBoolError, parseGoBool } from '../decode/go-parse-bool';
import { parsePathId } from '../decode/path-id';
import { decodeEnvironmentBody } from '../decode/request-bodies';
import { sendEmpty, sendJson } from '../http/go-json';
import { queryValue } from '../http/query';
import { readBody } from '../http/read-body';
import type { RouteDefinition } from '../http/route-table';
import type { EnvironmentView } from '../ports';
import type { RouteContext } from './route-context';

/** `?fetch=`: absent or empty is false; anything ParseBool rejects is a 400. */
function fetchParameter(req: Request): boolean {
  const text = queryValue(req, 'fetch') ?? '';
  if (text === '') return false;
  const value = parseGoBool(text);
  if (value === undefined)
    throw new PoseidonError('Invalid', `could not parse fetch parameter: ${parseBoolError(text)}`);
  return value;
}

/** The environment in the original's key order. */
function view(environment: EnvironmentView): EnvironmentView {
  const { prewarmingPoolSize, cpuLimit, memoryLimit, image, networkAccess, exposedPorts, id } = environment;
  return { prewarmingPoolSize, cpuLimit, memoryLimit, image, networkAccess, exposedPorts, id };
}

function idOf(req: Request): number {
  return parsePathId(String(req.params.id));
}

function list(context: RouteContext): RequestHandler {
  return async (req, res) => {
    const environments = await context.services.environments.list({ fetch: fetchParameter(req) });
    sendJson(res, 200, { executionEnvironments: environments.map(view) });
  };
}

function get(context: RouteContext): RequestHandler {
  return async (req, res) => {
    const id = idOf(req);
    const environment = await context.services.environments.get(id, { fetch: fetchParameter(req) });
    if (environment) sendJson(res, 200, view(environment));
    else sendEmpty(res, 404);
  };
}

function put(context: RouteContext): RequestHandler {
  return async (req, res) => {
    const input = decodeEnvironmentBody(await readBody(req, context.config.maxBodyBytes));
    const outcome = await context.services.environments.put({ ...input, id: idOf(req) });
    sendEmpty(res, outcome === 'created' ? 201 : 204);
  };
}

function remove(context: RouteContext): RequestHandler {
  return async (req, res) => {
    const deleted = await context.services.environments.delete(idOf(req));
    sendEmpty(res, deleted ? 204 : 404);
  };
}

/** The routes. */
export function environmentRoutes(context: RouteContext): RouteDefinition[] {
  return [
    { path: '/api/v1/execution-environments', methods: { GET: [context.auth, list(context)] } },
    {
      path: '/api/v1/execution-environments/:id',
      methods: {
        GET: [context.auth, get(context)],
        PUT: [context.auth, put(context)],
        DELETE: [context.auth, remove(context)],
      },
    },
  ];
}
