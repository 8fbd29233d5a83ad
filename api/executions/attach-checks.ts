/**
 * The checks before a WebSocket attach, in the original's order (after the token): the runner must be claimed (410),
 * the execution id must be stored for it (404), a browser `Origin` must match the Host (403), and the request must be
 * a valid WebSocket handshake (400). Shared by the upgrade path and the plain-GET route.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PoseidonError } from '../../crds/errors';
import { ApiError } from '../errors/api-error';
import type { RunnersService } from '../ports';
import type { StoredExecutions } from './stored-executions';

/** The path of the attach route; `{runnerId}` is one non-empty segment. */
export const WEBSOCKET_PATH = /^\/api\/v1\/runners\/([^/]+)\/websocket$/;

/** The 410 of every runner route. */
export function runnerGone(): PoseidonError {
  return new PoseidonError('RunnerGone', 'no runner found with this id');
}

/** Throws `RunnerGone` or `ExecutionNotFound` unless `executionId` is stored for a claimed `runnerId`. */
export function checkExecution(
  runners: Pick<RunnersService, 'get'>,
  stored: StoredExecutions,
  runnerId: string,
  executionId: string,
): void {
  if (!runners.get(runnerId)) throw runnerGone();
  if (!stored.has(runnerId, executionId)) throw new PoseidonError('ExecutionNotFound', 'execution id unknown');
}

/** Throws `CrossOrigin` when an `Origin` header names another host than `Host` (gorilla's same-origin rule). */
export function checkOrigin(headers: IncomingHttpHeaders): void {
  const origin = headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    host = '';
  }
  if (host === '' || host.toLowerCase() !== (headers.host ?? '').toLowerCase()) {
    throw new ApiError('CrossOrigin', 'websocket: request origin not allowed by Upgrader.CheckOrigin');
  }
}

/** Throws `NotWebSocket` unless the request is a handshake the WebSocket library will accept. */
export function checkHandshake(method: string | undefined, headers: IncomingHttpHeaders): void {
  const upgrade = (headers.upgrade ?? '').toLowerCase();
  const key = headers['sec-websocket-key'] ?? '';
  const version = headers['sec-websocket-version'];
  if (method !== 'GET' || !upgrade.split(/\s*,\s*/).includes('websocket')) {
    throw new ApiError(
      'NotWebSocket',
      "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Upgrade' header",
    );
  }
  if (!/^[+/0-9A-Za-z]{22}==$/.test(key) || (version !== '13' && version !== '8')) {
    throw new ApiError('NotWebSocket', 'websocket: not a valid websocket handshake');
  }
}
