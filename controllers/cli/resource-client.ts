/**
 * The HTTP client of the resource routes (`/api/v1/resources/executionenvironments`, see api/routes/
 * resource-routes.ts). Every failure becomes a {@link CliError} a person can act on, except answers with a
 * resource error code (`Conflict`, `AlreadyExists`, `NotFound`, `Invalid`), which are {@link ApiRequestError}s so
 * callers can react to them.
 */
import { Agent, request } from 'undici';
import type { EnvironmentStatusView } from '../../api/ports';
import type { ExecutionEnvironment } from '../../crds/execution-environment';
import { CliError } from './cli-error';
import type { Connection } from './connection';

/** The collection path on the server. */
export const RESOURCES_API = '/api/v1/resources/executionenvironments';

const REQUEST_TIMEOUT_MS = 30_000;

/** A resource error answered by the server: `code` is the store's (`Conflict`, `AlreadyExists`, ...). */
export class ApiRequestError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** True when `error` is an {@link ApiRequestError} with `code`. */
export function isApiError(error: unknown, code: string): error is ApiRequestError {
  return error instanceof Error && error.name === 'ApiRequestError' && (error as ApiRequestError).code === code;
}

/** The resource client. Close it when done (it keeps connections alive). */
export class ResourceClient {
  private readonly agent: Agent;

  constructor(private readonly connection: Connection) {
    this.agent = new Agent({
      connect: { ...(connection.ca ? { ca: connection.ca } : {}), rejectUnauthorized: !connection.insecure },
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
  }

  /** Every environment, sorted by name. */
  async list(): Promise<ExecutionEnvironment[]> {
    const body = (await this.call('GET', RESOURCES_API, [200])) as { items?: unknown };
    if (!Array.isArray(body.items)) throw new CliError(`unexpected answer from ${this.url(RESOURCES_API)}: no items`);
    return body.items as ExecutionEnvironment[];
  }

  /** The environment named `name`, or undefined. */
  async get(name: string): Promise<ExecutionEnvironment | undefined> {
    try {
      return (await this.call('GET', this.path(name), [200])) as ExecutionEnvironment;
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** Creates `resource` (409 `AlreadyExists` when the name or id is taken). */
  async create(resource: ExecutionEnvironment): Promise<ExecutionEnvironment> {
    return (await this.call('POST', RESOURCES_API, [201], resource)) as ExecutionEnvironment;
  }

  /** Replaces spec, labels and annotations; a check-and-set when `metadata.resourceVersion` is set (409 `Conflict`). */
  async replace(resource: ExecutionEnvironment): Promise<ExecutionEnvironment> {
    return (await this.call('PUT', this.path(resource.metadata.name), [200, 201], resource)) as ExecutionEnvironment;
  }

  /** Deletes `name` (only while its resourceVersion is `resourceVersion`, when given); returns its last state. */
  async delete(name: string, resourceVersion?: string): Promise<ExecutionEnvironment> {
    const query = resourceVersion === undefined ? '' : `?resourceVersion=${encodeURIComponent(resourceVersion)}`;
    return (await this.call('DELETE', `${this.path(name)}${query}`, [200])) as ExecutionEnvironment;
  }

  /** The live view (conditions, pool figures, events), or undefined when `name` does not exist. */
  async status(name: string): Promise<EnvironmentStatusView | undefined> {
    try {
      return (await this.call('GET', `${this.path(name)}/status`, [200])) as EnvironmentStatusView;
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** Closes the connections. */
  close(): Promise<void> {
    return this.agent.close();
  }

  private path(name: string): string {
    return `${RESOURCES_API}/${encodeURIComponent(name)}`;
  }

  private url(path: string): string {
    return `${this.connection.server}${path}`;
  }

  private async call(method: string, path: string, expected: readonly number[], body?: unknown): Promise<unknown> {
    const url = this.url(path);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.token !== undefined) headers['poseidon-token'] = this.connection.token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await request(url, {
        method: method as 'GET',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.agent,
      });
    } catch (error) {
      throw new CliError(`cannot reach the service at ${this.connection.server}: ${networkMessage(error)}`);
    }
    const text = await response.body.text();
    const json = parseJson(text);
    if (expected.includes(response.statusCode) && json !== undefined) return json;
    throw answerError(method, url, response.statusCode, text, json);
  }
}

function networkMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const message = error instanceof Error ? error.message : String(error);
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  const text = causeMessage && !message.includes(causeMessage) ? `${message}: ${causeMessage}` : message;
  const tls = /certificate|self[- ]signed|SSL|TLS/i.test(text);
  return tls ? `${text} (trust the server's CA with --ca FILE, or use --insecure for a test server)` : text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function answerError(method: string, url: string, status: number, text: string, json: unknown): Error {
  if (status === 401)
    return new CliError(`the service at ${url} rejected the token (401): set --token or POSEIDON_TOKEN`);
  const problem = json as { code?: unknown; message?: unknown; details?: unknown } | undefined;
  if (typeof problem?.code === 'string' && typeof problem.message === 'string') {
    return new ApiRequestError(status, problem.code, problem.message, problem.details);
  }
  if (status === 404 || status === 405) {
    return new CliError(`${method} ${url} answered ${status}: the server has no resource API (is it poseidon-ts?)`);
  }
  const shown = text.length > 300 ? `${text.slice(0, 300)}...` : text;
  return new CliError(`${method} ${url} answered ${status}${shown === '' ? '' : `: ${shown}`}`);
}
