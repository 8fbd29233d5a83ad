/**
 * The server -> client messages of the WebSocket protocol (the original's websocket.schema.json, which CodeOcean
 * validates with `additionalProperties: false`): exactly these shapes, no other keys.
 */
import type { RunnerLossCause } from '../../reconcilers/ports';
import { goJson } from '../http/go-json';

/** The `error` texts clients match on. */
export const OOM_KILLED = 'the allocation was OOM Killed';
export const STOPPED_AS_EXPECTED = 'the allocation stopped as expected';
export const EXECUTION_ERROR = 'Error executing the request';

/** One server message. */
export type ServerMessage =
  | { readonly type: 'start' }
  | { readonly type: 'stdout' | 'stderr'; readonly data: string }
  | { readonly type: 'exit'; readonly data: number }
  | { readonly type: 'timeout' }
  | { readonly type: 'error'; readonly data: string };

/** A terminal message (`exit`, `timeout` or `error`). */
export type TerminalMessage = Extract<ServerMessage, { type: 'exit' | 'timeout' | 'error' }>;

/** The text frame of a message (keys in schema order, Go's escaping). */
export function encodeMessage(message: ServerMessage): string {
  return goJson(message);
}

/** An `exit` message; statuses outside 0-255 are reduced modulo 256, as a shell would report them. */
export function exitMessage(exitCode: number): TerminalMessage {
  const status = Number.isInteger(exitCode) ? ((exitCode % 256) + 256) % 256 : 255;
  return { type: 'exit', data: status };
}

/** What a client is told when the runner goes away under a running execution. */
export function lossMessage(cause: RunnerLossCause): TerminalMessage {
  switch (cause) {
    case 'oomKilled':
      return { type: 'error', data: OOM_KILLED };
    case 'inactivityTimeout':
      return { type: 'timeout' };
    case 'released':
    case 'deregistered':
    case 'stoppedUnexpectedly':
      return { type: 'error', data: STOPPED_AS_EXPECTED };
    default:
      return { type: 'error', data: EXECUTION_ERROR };
  }
}
