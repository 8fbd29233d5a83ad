import { checkHandshake, checkOrigin } from './attach-checks';

const handshake = {
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'sec-websocket-version': '13',
};

describe('attach checks', () => {
  it('allows no Origin or one naming the Host, and rejects other origins', () => {
    expect(() => checkOrigin({ host: 'poseidon:7200' })).not.toThrow();
    expect(() => checkOrigin({ host: 'Poseidon:7200', origin: 'https://poseidon:7200' })).not.toThrow();
    for (const origin of ['https://evil:7200', 'null', 'https://poseidon', 'not a url']) {
      expect(() => checkOrigin({ host: 'poseidon:7200', origin })).toThrow(
        expect.objectContaining({ apiCode: 'CrossOrigin' }),
      );
    }
  });

  it('accepts only requests the WebSocket library would upgrade', () => {
    expect(() => checkHandshake('GET', handshake)).not.toThrow();
    expect(() => checkHandshake('GET', { ...handshake, upgrade: 'WebSocket' })).not.toThrow();
    for (const [method, headers] of [
      ['POST', handshake],
      ['GET', { ...handshake, upgrade: 'h2c' }],
      ['GET', { ...handshake, 'sec-websocket-key': 'short' }],
      ['GET', { ...handshake, 'sec-websocket-version': '12' }],
    ] as const) {
      expect(() => checkHandshake(method, headers)).toThrow(expect.objectContaining({ apiCode: 'NotWebSocket' }));
    }
  });
});
