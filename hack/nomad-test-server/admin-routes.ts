/**
 * The double's control API under `/_test/` (no token needed; not part of Nomad): fault switches and statistics for
 * tests that drive the server from another process (`npm run nomad:dev`).
 *
 *   POST /_test/events/drop                      cut every event stream
 *   POST /_test/events/stall   {"stalled":true}  stop (or resume) writing to event streams
 *   POST /_test/restart        {"wipe":false}    server restart: event buffer lost (wipe: all state, index reset)
 *   POST /_test/agent/restart                    client agent restart: exec connections break
 *   POST /_test/allocations/:id/oom              OOM-kill the allocation's task
 *   POST /_test/allocations/:id/reschedule       fail the allocation so it is rescheduled
 *   POST /_test/allocations/:id/lose             the allocation's node is lost
 *   POST /_test/placements     {"fail":true}     make placements fail (blocked evaluations)
 *   POST /_test/errors         {"status":500,"count":1,"path":"^/v1/jobs"}  answer requests with errors
 *   POST /_test/latency        {"ms":200}        delay every API answer
 *   POST /_test/reset                            clear request faults, stalls and failing placements
 *   GET  /_test/stats                            request counts per operation, open streams and exec sessions
 */
import type { RequestFailure } from './fault-switches';
import type { Route } from './http-kit';
import { HttpError } from './sim-types';

/** What the control API drives. */
export interface TestControls {
  dropEventStreams(): void;
  stallEventStreams(stalled: boolean): void;
  restartServer(options?: { wipe?: boolean }): Promise<void>;
  restartAgent(): void;
  oomKill(allocationId: string): void;
  reschedule(allocationId: string): void;
  lose(allocationId: string): void;
  failPlacements(fail: boolean): void;
  failRequests(failure: RequestFailure): void;
  setLatency(ms: number): void;
  resetFaults(): void;
  stats(): unknown;
}

/** The `/_test/` routes. */
export function adminRoutes(controls: TestControls): Route[] {
  const post = (
    path: string,
    run: (body: Record<string, unknown>, params: Record<string, string>) => unknown,
  ): Route => ({
    method: 'PUT',
    path,
    operation: 'admin',
    handler: async (c) => {
      const text = c.req.headers['content-length'] === '0' ? undefined : await c.body().catch(() => ({}));
      const body = (typeof text === 'object' && text !== null ? text : {}) as Record<string, unknown>;
      await run(body, { ...c.params });
      return { json: { ok: true } };
    },
  });
  const alloc = (run: (id: string) => void) => (_body: Record<string, unknown>, params: Record<string, string>) => {
    if (!params.id) throw new HttpError(400, 'allocation id required');
    run(params.id);
  };
  return [
    post('/_test/events/drop', () => controls.dropEventStreams()),
    post('/_test/events/stall', (body) => controls.stallEventStreams(body.stalled !== false)),
    post('/_test/restart', (body) => controls.restartServer({ wipe: body.wipe === true })),
    post('/_test/agent/restart', () => controls.restartAgent()),
    post(
      '/_test/allocations/:id/oom',
      alloc((id) => controls.oomKill(id)),
    ),
    post(
      '/_test/allocations/:id/reschedule',
      alloc((id) => controls.reschedule(id)),
    ),
    post(
      '/_test/allocations/:id/lose',
      alloc((id) => controls.lose(id)),
    ),
    post('/_test/placements', (body) => controls.failPlacements(body.fail !== false)),
    post('/_test/errors', (body) => controls.failRequests(body as RequestFailure)),
    post('/_test/latency', (body) => controls.setLatency(Number(body.ms ?? 0))),
    post('/_test/reset', () => controls.resetFaults()),
    { method: 'GET', path: '/_test/stats', operation: 'admin', handler: () => ({ json: controls.stats() }) },
  ];
}
