/**
 * What every route module gets: the services, the configuration and the shared pieces built once per server.
 */
import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { ApiConfig } from '../api-options';
import type { StoredExecutions } from '../executions/stored-executions';
import type { ApiServices } from '../ports';

/** Shared by the route modules. */
export interface RouteContext {
  readonly services: ApiServices;
  readonly config: ApiConfig;
  readonly registry: Registry;
  readonly stored: StoredExecutions;
  /** The token check (401). */
  readonly auth: RequestHandler;
}
