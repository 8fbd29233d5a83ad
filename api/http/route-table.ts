/**
 * Mounting the original's routes on an express router with its matching rules: exact, case-sensitive paths (the
 * router is strict), `{id}` segments that only match digits (anything else falls through to the 404), 405 with an
 * empty body for every other method on a known path (HEAD included, which express would otherwise serve as GET).
 */
import type { RequestHandler, Router } from 'express';
import { isIdSegment } from '../decode/path-id';
import { sendEmpty } from './go-json';

/** The methods the API serves. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One path with its handlers per method. */
export interface RouteDefinition {
  /** An express path; `:id` segments must be digits. */
  readonly path: string;
  readonly methods: Partial<Record<Method, readonly RequestHandler[]>>;
}

/** Answers 405, empty. */
export const methodNotAllowed: RequestHandler = (_req, res) => sendEmpty(res, 405);

/** Labels the request with its route pattern (for metrics) and rejects non-numeric `:id` segments as unknown routes. */
function matchGuard(path: string): RequestHandler {
  return (req, res, next) => {
    const id: unknown = req.params.id;
    if (typeof id === 'string' && !isIdSegment(id)) return next('route');
    res.locals.route = path;
    next();
  };
}

/** Mounts `definition` on `router`. */
export function mountRoute(router: Router, definition: RouteDefinition): void {
  const route = router.route(definition.path);
  route.all(matchGuard(definition.path));
  route.head(methodNotAllowed);
  for (const [method, handlers] of Object.entries(definition.methods) as [Method, RequestHandler[]][]) {
    const lower = method.toLowerCase() as Lowercase<Method>;
    route[lower](...handlers);
  }
  route.all(methodNotAllowed);
}
