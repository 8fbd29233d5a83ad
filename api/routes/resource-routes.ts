/**
 * `/api/v1/resources/executionenvironments[/{name}[/status]]`: whole ExecutionEnvironment resources for the operator
 * CLI and GitOps, beside (never instead of) the original routes. List, get, create (POST), update (PUT, a
 * check-and-set when the body carries `metadata.resourceVersion`, else create-or-replace), delete (optionally with
 * `?resourceVersion=`), and the live status view (conditions, pool figures from the caches, recent events).
 *
 * Unlike the original routes, problems answer `{code, message, details?}` with Kubernetes-like statuses: 400
 * `Invalid` (with the validation issues), 404 `NotFound`, 409 `AlreadyExists` / `Conflict`. Anything else goes to the
 * one error middleware.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errorCodeOf, PoseidonError, type ErrorCode } from '../../crds/errors';
import { EXECUTION_ENVIRONMENT_KIND, type ExecutionEnvironment } from '../../crds/execution-environment';
import { API_GROUP_VERSION, NAME_PATTERN } from '../../crds/meta';
import { invalidResourceError, validateKind } from '../../crds/validation';
import { sendJson } from '../http/go-json';
import { queryValue } from '../http/query';
import { readBody } from '../http/read-body';
import type { RouteDefinition } from '../http/route-table';
import type { ResourcesService } from '../ports';
import type { RouteContext } from './route-context';

/** Where the resource routes live. */
export const RESOURCES_PATH = '/api/v1/resources/executionenvironments';

/** The statuses of the codes these routes answer themselves. */
const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  Invalid: 400,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
};

const NAME = new RegExp(NAME_PATTERN);

type Handler = (req: Request, res: Response, resources: ResourcesService) => Promise<void>;

/** Runs `handler`, answering the resource codes here and passing every other error on. */
function handle(resources: ResourcesService, handler: Handler): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      await handler(req, res, resources);
    } catch (error) {
      const code = errorCodeOf(error);
      const status = code === undefined ? undefined : STATUS_OF[code];
      if (status === undefined || res.headersSent) return next(error);
      const { message, details } = error as PoseidonError;
      sendJson(res, status, details === undefined ? { code, message } : { code, message, details });
    }
  };
}

function nameOf(req: Request): string {
  const name = String(req.params.name);
  if (!NAME.test(name)) throw new PoseidonError('Invalid', `${JSON.stringify(name)} is not a valid resource name`);
  return name;
}

function notFound(name: string): PoseidonError {
  return new PoseidonError('NotFound', `${EXECUTION_ENVIRONMENT_KIND} "${name}" not found`);
}

/**
 * Reads and validates a resource body. Store-owned metadata (generation, uid, creationTimestamp) and `status` are
 * dropped; `metadata.resourceVersion` is kept as the check-and-set token. `pathName` fills in a missing name and
 * must match a given one.
 */
async function resourceBody(req: Request, maxBytes: number, pathName?: string): Promise<ExecutionEnvironment> {
  const raw = await readBody(req, maxBytes);
  let document: unknown;
  try {
    document = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new PoseidonError('Invalid', `the request body is not JSON: ${(error as Error).message}`);
  }
  if (pathName !== undefined && isObject(document) && (isObject(document.metadata) || !('metadata' in document))) {
    const metadata = isObject(document.metadata) ? document.metadata : {};
    if (metadata.name === undefined) document = { ...document, metadata: { ...metadata, name: pathName } };
    else if (metadata.name !== pathName) {
      throw new PoseidonError(
        'Invalid',
        `metadata.name ${JSON.stringify(metadata.name)} does not match the name in the path "${pathName}"`,
      );
    }
  }
  const result = validateKind(EXECUTION_ENVIRONMENT_KIND, document);
  if (!result.ok) {
    const name = isObject(document) && isObject(document.metadata) ? document.metadata.name : undefined;
    throw invalidResourceError(EXECUTION_ENVIRONMENT_KIND, typeof name === 'string' ? name : undefined, result.issues);
  }
  const { metadata, spec, apiVersion, kind } = result.value;
  const { name, labels, annotations, resourceVersion } = metadata;
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      ...(labels !== undefined ? { labels } : {}),
      ...(annotations !== undefined ? { annotations } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
    },
    spec,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function routes(context: RouteContext, resources: ResourcesService): RouteDefinition[] {
  const maxBytes = context.config.maxBodyBytes;
  const { auth } = context;
  const list = handle(resources, async (_req, res, service) => {
    const items = await service.list();
    sendJson(res, 200, { apiVersion: API_GROUP_VERSION, kind: `${EXECUTION_ENVIRONMENT_KIND}List`, items });
  });
  const create = handle(resources, async (req, res, service) => {
    const resource = await resourceBody(req, maxBytes);
    const { resourceVersion: _ignored, ...metadata } = resource.metadata;
    sendJson(res, 201, await service.create({ ...resource, metadata }));
  });
  const get = handle(resources, async (req, res, service) => {
    const name = nameOf(req);
    const resource = await service.get(name);
    if (!resource) throw notFound(name);
    sendJson(res, 200, resource);
  });
  const put = handle(resources, async (req, res, service) => {
    const name = nameOf(req);
    const resource = await resourceBody(req, maxBytes, name);
    if (resource.metadata.resourceVersion === undefined && !(await service.get(name))) {
      sendJson(res, 201, await service.create(resource));
      return;
    }
    sendJson(res, 200, await service.update(resource));
  });
  const remove = handle(resources, async (req, res, service) => {
    const name = nameOf(req);
    const resourceVersion = queryValue(req, 'resourceVersion');
    sendJson(res, 200, await service.delete(name, resourceVersion === '' ? undefined : resourceVersion));
  });
  const status = handle(resources, async (req, res, service) => {
    const name = nameOf(req);
    const view = await service.status(name);
    if (!view) throw notFound(name);
    sendJson(res, 200, view);
  });
  return [
    { path: RESOURCES_PATH, methods: { GET: [auth, list], POST: [auth, create] } },
    { path: `${RESOURCES_PATH}/:name`, methods: { GET: [auth, get], PUT: [auth, put], DELETE: [auth, remove] } },
    { path: `${RESOURCES_PATH}/:name/status`, methods: { GET: [auth, status] } },
  ];
}

/** The routes; none when the services have no `resources`. */
export function resourceRoutes(context: RouteContext): RouteDefinition[] {
  const resources = context.services.resources;
  return resources ? routes(context, resources) : [];
}
