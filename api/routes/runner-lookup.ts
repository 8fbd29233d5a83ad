/**
 * The runner lookup every `/runners/{runnerId}/...` route starts with (after the token check, before the body is
 * read): a runner that is not claimed (unknown, idle, expired, destroyed) is a 410 once the request body has been
 * drained, so clients still sending never see a reset. The runner lands in `res.locals.runner`.
 */
import type { RequestHandler, Response } from 'express';
import { runnerGone } from '../executions/attach-checks';
import { drainBody } from '../http/read-body';
import type { ClaimedRunner, RunnersService } from '../ports';

/** Middleware resolving `:runnerId` to a claimed runner, or answering 410. */
export function lookupRunner(runners: Pick<RunnersService, 'get'>): RequestHandler {
  return async (req, res, next) => {
    const runnerId: unknown = req.params.runnerId;
    const runner = typeof runnerId === 'string' ? runners.get(runnerId) : undefined;
    if (!runner) {
      await drainBody(req);
      throw runnerGone();
    }
    res.locals.runner = runner;
    next();
  };
}

/** Middleware recording runner activity (file operations restart the inactivity timer). */
export function touchRunner(runners: Pick<RunnersService, 'touch'>): RequestHandler {
  return (_req, res, next) => {
    runners.touch(runnerOf(res).id);
    next();
  };
}

/** The runner {@link lookupRunner} resolved. */
export function runnerOf(res: Response): ClaimedRunner {
  return res.locals.runner as ClaimedRunner;
}
