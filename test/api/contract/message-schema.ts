/**
 * The WebSocket message schema CodeOcean validates against (Poseidon's websocket.schema.json with
 * `additionalProperties: false`), as a predicate for the suite.
 */
import type { ReceivedMessage } from '../support/ws-client';

/** Why `message` breaks the schema, or undefined when it conforms. */
export function schemaViolation(message: ReceivedMessage): string | undefined {
  const keys = Object.keys(message).sort().join(',');
  switch (message.type) {
    case 'start':
    case 'timeout':
      return keys === 'type' ? undefined : `extra keys on ${message.type}: ${keys}`;
    case 'stdout':
    case 'stderr':
    case 'error':
      return keys === 'data,type' && typeof message.data === 'string' ? undefined : `bad ${message.type}: ${keys}`;
    case 'exit':
      return keys === 'data,type' &&
        Number.isInteger(message.data) &&
        (message.data as number) >= 0 &&
        (message.data as number) <= 255
        ? undefined
        : `bad exit: ${JSON.stringify(message)}`;
    default:
      return `unknown type ${String(message.type)}`;
  }
}

const TERMINAL = new Set(['exit', 'timeout', 'error']);

/**
 * Checks a whole conversation: valid messages, `start` first, no output after the terminal message, and exactly one
 * terminal message unless `clientClosed`. Returns the problems found.
 */
export function protocolProblems(messages: readonly ReceivedMessage[], clientClosed = false): string[] {
  const problems = messages.map(schemaViolation).filter((problem): problem is string => problem !== undefined);
  if (messages[0]?.type !== 'start') problems.push('start is not the first message');
  const terminals = messages.filter((message) => TERMINAL.has(message.type));
  if (clientClosed ? terminals.length > 1 : terminals.length !== 1)
    problems.push(`${terminals.length} terminal messages`);
  const last = messages[messages.length - 1];
  if (terminals.length === 1 && last !== terminals[0]) problems.push('messages after the terminal message');
  return problems;
}
