/**
 * `/health`, `/version` (both without a token) and `/statistics/execution-environments`.
 */
import type { RequestHandler } from 'express';
import { ApiError } from '../errors/api-error';
import { sendEmpty, sendJson } from '../http/go-json';
import type { RouteDefinition } from '../http/route-table';
import type { EnvironmentStatistics } from '../ports';
import type { RouteContext } from './route-context';

/** Ids of environments whose idle/pool ratio is below `threshold` (a pool of size 0 never is). */
export function depletingEnvironments(statistics: readonly EnvironmentStatistics[], threshold: number): number[] {
  return statistics
    .filter((entry) => entry.prewarmingPoolSize > 0 && entry.idleRunners / entry.prewarmingPoolSize < threshold)
    .map((entry) => entry.id)
    .sort((a, b) => a - b);
}

function health(context: RouteContext): RequestHandler {
  return (_req, res) => {
    const depleting = depletingEnvironments(
      context.services.statistics.statistics(),
      context.config.prewarmingPoolThreshold,
    );
    if (depleting.length > 0) {
      throw new ApiError('PoolDepleting', `the prewarming pool is depleting: environments ${depleting.join(', ')}`);
    }
    sendEmpty(res, 204);
  };
}

function statistics(context: RouteContext): RequestHandler {
  return (_req, res) => {
    const byId: Record<string, EnvironmentStatistics> = {};
    for (const entry of context.services.statistics.statistics()) {
      const { id, prewarmingPoolSize, idleRunners, usedRunners } = entry;
      byId[String(id)] = { id, prewarmingPoolSize, idleRunners, usedRunners };
    }
    sendJson(res, 200, byId);
  };
}

/** The routes. */
export function healthRoutes(context: RouteContext): RouteDefinition[] {
  const release = context.config.release;
  return [
    { path: '/api/v1/health', methods: { GET: [health(context)] } },
    {
      path: '/api/v1/version',
      methods: { GET: [(_req, res) => (release === '' ? sendEmpty(res, 404) : sendJson(res, 200, release))] },
    },
    { path: '/api/v1/statistics/execution-environments', methods: { GET: [context.auth, statistics(context)] } },
    {
      path: '/metrics',
      methods: {
        GET: [
          context.auth,
          async (_req, res) => {
            const text = await context.registry.metrics();
            res.status(200).setHeader('Content-Type', context.registry.contentType);
            res.end(text);
          },
        ],
      },
    },
  ];
}
