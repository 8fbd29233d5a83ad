/**
 * The express app of the REST facade: request metrics, the routes of every module mounted on one strict,
 * case-sensitive router, an empty 404 for everything else, and the one error middleware last.
 */
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { errorMiddleware } from './errors/error-middleware';
import { sendEmpty } from './http/go-json';
import { mountRoute } from './http/route-table';
import type { ApiClock } from './api-options';
import type { ApiMetrics } from './metrics/api-metrics';
import { environmentRoutes } from './routes/environment-routes';
import { fileRoutes } from './routes/file-routes';
import { healthRoutes } from './routes/health-routes';
import { resourceRoutes } from './routes/resource-routes';
import type { RouteContext } from './routes/route-context';
import { runnerRoutes } from './routes/runner-routes';

/** Counts every answered request by route pattern and status, and times it. */
function requestMetrics(metrics: ApiMetrics, clock: ApiClock): RequestHandler {
  return (req, res, next) => {
    const started = clock.now();
    res.once('finish', () => {
      const route = typeof res.locals.route === 'string' ? res.locals.route : 'unmatched';
      metrics.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.requestSeconds.observe({ method: req.method, route }, (clock.now() - started) / 1000);
    });
    next();
  };
}

/** Builds the app. */
export function buildApp(context: RouteContext, metrics: ApiMetrics, clock: ApiClock, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestMetrics(metrics, clock));
  const router = express.Router({ strict: true, caseSensitive: true });
  for (const routes of [healthRoutes, environmentRoutes, runnerRoutes, fileRoutes, resourceRoutes]) {
    for (const route of routes(context)) mountRoute(router, route);
  }
  app.use(router);
  app.use((_req, res) => sendEmpty(res, 404));
  app.use(errorMiddleware(logger));
  return app;
}
