/**
 * The double's small HTTP toolkit: routes as data, Nomad's answer conventions (plain-text errors, `X-Nomad-*` index
 * headers, 404 with an empty body for unknown routes, 405 `Invalid method`), body and parameter parsing, and a
 * constant-time ACL token check.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './sim-types';

/** What a handler gets. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** `namespace` query parameter, `default` when absent. */
  readonly namespace: string;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  /** Parses the JSON body (400 `Request body is empty` / `failed to parse request`). */
  body(): Promise<unknown>;
}

/** What a handler answers: JSON with a status and an index, or nothing (it wrote the response itself). */
export type HandlerResult = {
  status?: number;
  json?: unknown;
  index?: number;
  headers?: Record<string, string>;
} | void;

/** One route. `path` uses `:name` for a segment and `*name` for the rest. */
export interface Route {
  readonly method: string;
  readonly path: string;
  /** The operationId in hack/openapi/nomad.yaml (for response validation and request counts). */
  readonly operation: string;
  readonly handler: (context: RequestContext) => Promise<HandlerResult> | HandlerResult;
}

/** A compiled route. */
export interface CompiledRoute extends Route {
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

/** Compiles route paths to regular expressions. */
export function compileRoutes(routes: readonly Route[]): CompiledRoute[] {
  return routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .split('/')
      .map((part) => {
        if (part.startsWith(':')) return (names.push(part.slice(1)), '([^/]+)');
        if (part.startsWith('*')) return (names.push(part.slice(1)), '(.+)');
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    return { ...route, pattern: new RegExp(`^${source}$`), names };
  });
}

/** Finds the route; `methodMismatch` when the path exists with another method. */
export function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  path: string,
): { route: CompiledRoute; params: Record<string, string> } | 'methodMismatch' | undefined {
  let mismatch = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const methods = route.method === 'PUT' ? ['PUT', 'POST'] : [route.method];
    if (!methods.includes(method)) {
      mismatch = true;
      continue;
    }
    const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
    return { route, params };
  }
  return mismatch ? 'methodMismatch' : undefined;
}

/** Writes a plain-text error the way Nomad does. */
export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/** Writes JSON with Nomad's query-meta headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  index: number | undefined,
  headers: Record<string, string> = {},
): void {
  const meta =
    index === undefined
      ? {}
      : { 'X-Nomad-Index': String(index), 'X-Nomad-KnownLeader': 'true', 'X-Nomad-LastContact': '0' };
  res.writeHead(status, { 'Content-Type': 'application/json', ...meta, ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

/** Reads and parses a JSON request body (at most `limit` bytes). */
export async function readJsonBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  if (size === 0) throw new HttpError(400, 'Request body is empty');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `failed to parse request: ${(error as Error).message}`);
  }
}

/** Go's `time.ParseDuration` for the units Nomad clients send; undefined when malformed. */
export function parseGoDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/.exec(text);
  if (!match) return undefined;
  const scale: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return Number(match[1]) * (scale[match[2] as string] ?? 1);
}

/**
 * Nomad's `parseBool` of a query flag (Go `strconv.ParseBool`): absent or empty = false, `1 t T TRUE true True` and
 * `0 f F FALSE false False` as Go spells them, anything else a 500 with Go's message (the agent does not code it).
 */
export function queryBool(query: URLSearchParams, name: string): boolean {
  const value = query.get(name) ?? '';
  if (value === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new HttpError(
    500,
    `Failed to parse value of ${JSON.stringify(name)} (${value}) as a bool: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`,
  );
}

/** The request's token (`X-Nomad-Token` wins over `Authorization: Bearer`). */
export function tokenOf(req: IncomingMessage): string {
  const header = req.headers['x-nomad-token'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string, expected: string): boolean {
  // Hashing first makes the comparison independent of both lengths.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
