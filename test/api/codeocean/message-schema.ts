/**
 * The JSON schema CodeOcean validates every WebSocket event against (codeocean-client.md B.5), written here from the
 * contract's description of Poseidon's websocket.schema.json: one of six shapes, `additionalProperties: false`,
 * `exit.data` an integer 0-255, string `data` for stdout/stderr/error, no `data` on start/timeout. Compiled with ajv.
 */
import Ajv from 'ajv';

const withData = (type: string, data: object) => ({
  type: 'object',
  properties: { type: { const: type }, data },
  required: ['type', 'data'],
  additionalProperties: false,
});

const withoutData = (type: string) => ({
  type: 'object',
  properties: { type: { const: type } },
  required: ['type'],
  additionalProperties: false,
});

/** The schema. */
export const WEBSOCKET_EVENT_SCHEMA = {
  oneOf: [
    withoutData('start'),
    withData('stdout', { type: 'string' }),
    withData('stderr', { type: 'string' }),
    withData('error', { type: 'string' }),
    withData('exit', { type: 'integer', minimum: 0, maximum: 255 }),
    withoutData('timeout'),
  ],
};

/** One event that passed validation. */
export type WebSocketEvent =
  | { type: 'start' | 'timeout' }
  | { type: 'stdout' | 'stderr' | 'error'; data: string }
  | { type: 'exit'; data: number };

const validate = new Ajv({ strict: true }).compile<WebSocketEvent>(WEBSOCKET_EVENT_SCHEMA);

/** True when `value` is a valid event. */
export function isValidEvent(value: unknown): value is WebSocketEvent {
  return validate(value);
}
