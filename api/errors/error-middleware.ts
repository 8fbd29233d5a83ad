/**
 * The one error middleware: renders any thrown error through the catalog (error-catalog.ts), logs server errors once
 * (here, where they are handled), and cuts the connection when a streamed response already started.
 */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { sendJson } from '../http/go-json';
import { problemOf, type ApiProblem } from './error-catalog';

/** Errors raised by express itself (malformed URI, aborted body) carry an HTTP status in the 4xx range. */
function clientStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown; statusCode?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function render(error: unknown): ApiProblem {
  const problem = problemOf(error);
  const clientStatus = clientStatusOf(error);
  if (problem.status === 500 && clientStatus !== undefined)
    return { status: clientStatus, body: { message: problem.body.message } };
  return problem;
}

/** The middleware. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const problem = render(error);
    const fields = { err: error, method: req.method, url: req.originalUrl, status: problem.status };
    if (problem.status >= 500) logger.error(fields, 'request failed');
    else logger.debug(fields, 'request rejected');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, problem.status, problem.body);
  };
}
