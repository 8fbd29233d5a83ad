/**
 * Contract: routing, authentication and the unauthenticated routes (poseidon-api.md sections 1-4.3).
 */
import type { ApiTarget } from '../support/api-target';
import { ContractKit } from '../support/contract-kit';

const PROTECTED: readonly [string, string][] = [
  ['GET', '/statistics/execution-environments'],
  ['GET', '/execution-environments'],
  ['GET', '/execution-environments/1'],
  ['PUT', '/execution-environments/1'],
  ['DELETE', '/execution-environments/1'],
  ['POST', '/runners'],
  ['DELETE', '/runners/1-unknown'],
  ['POST', '/runners/1-unknown/execute'],
  ['GET', '/runners/1-unknown/websocket?executionID=x'],
  ['GET', '/runners/1-unknown/files'],
  ['PATCH', '/runners/1-unknown/files'],
  ['GET', '/runners/1-unknown/files/raw?path=a'],
];

/** Registers the routing and auth tests. */
export function describeRoutingContract(getTarget: () => ApiTarget): void {
  describe('routing and authentication', () => {
    let kit: ContractKit;
    beforeAll(() => {
      kit = new ContractKit(getTarget());
    });
    afterAll(() => kit.cleanup());

    it('answers health and version without a token', async () => {
      const health = await kit.client.request('/api/v1/health', { token: null });
      expect([204, 503]).toContain(health.status);
      if (health.status === 204) expect(health.body.length).toBe(0);
      else expect(health.json()).toMatchObject({ errorCode: 'PREWARMING_POOL_DEPLETING' });
      const version = await kit.client.request('/api/v1/version', { token: null });
      expect(version.status).toBe(200);
      expect(version.headers['content-type']).toMatch(/^application\/json/);
      expect(typeof version.json()).toBe('string');
    });

    it.each(PROTECTED)('rejects %s %s without a token with an empty 401', async (method, path) => {
      if (getTarget().token === '') return;
      const response = await kit.client.request(`/api/v1${path}`, { method, token: null });
      expect(response.status).toBe(401);
      expect(response.body.length).toBe(0);
      expect(response.headers['www-authenticate']).toBeUndefined();
    });

    it('rejects a wrong token of the same length and of another length', async () => {
      const token = getTarget().token;
      if (token === '') return;
      const sameLength = token.slice(0, -1) + (token.endsWith('x') ? 'y' : 'x');
      for (const wrong of [sameLength, `${token}x`, 'x']) {
        const response = await kit.client.request('/api/v1/statistics/execution-environments', { token: wrong });
        expect(response.status).toBe(401);
      }
    });

    it('checks the token before looking up the runner', async () => {
      if (getTarget().token === '') return;
      const response = await kit.client.request('/api/v1/runners/1-unknown', { method: 'DELETE', token: 'wrong' });
      expect(response.status).toBe(401);
    });

    it('answers unknown routes with an empty 404, before authentication', async () => {
      for (const path of [
        '/',
        '/api',
        '/api/v1',
        '/api/v1/health/',
        '/api/v1/HEALTH',
        '/api/v1/runners/',
        '/api/v2/health',
      ]) {
        const response = await kit.client.request(path, { token: null });
        expect({ path, status: response.status, length: response.body.length }).toEqual({
          path,
          status: 404,
          length: 0,
        });
      }
    });

    it('treats a non-numeric environment id as an unknown route', async () => {
      for (const method of ['GET', 'PUT', 'DELETE', 'POST']) {
        const response = await kit.client.request('/api/v1/execution-environments/abc', { method });
        expect(response.status).toBe(404);
        expect(response.body.length).toBe(0);
      }
    });

    it('answers a wrong method with an empty 405, HEAD included', async () => {
      const cases: [string, string][] = [
        ['POST', '/api/v1/health'],
        ['HEAD', '/api/v1/health'],
        ['HEAD', '/api/v1/version'],
        ['DELETE', '/api/v1/execution-environments'],
        ['GET', '/api/v1/runners'],
        ['PUT', '/api/v1/runners/1-unknown/files'],
        ['OPTIONS', '/api/v1/execution-environments/1'],
      ];
      for (const [method, path] of cases) {
        const response = await kit.client.request(path, { method, token: null });
        expect({ method, path, status: response.status, length: response.body.length }).toEqual({
          method,
          path,
          status: 405,
          length: 0,
        });
      }
    });

    it('answers an environment id beyond the range with a 400 message', async () => {
      const response = await kit.api('GET', '/execution-environments/99999999999999999999999');
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({ message: expect.stringContaining('out of range') });
    });

    it('accepts GET and DELETE that announce JSON but have no body', async () => {
      const list = await kit.client.request('/api/v1/execution-environments', {
        headers: { 'Content-Type': 'application/json' },
      });
      expect(list.status).toBe(200);
      const removal = await kit.client.request(`/api/v1/execution-environments/${kit.freshEnvironmentId()}`, {
        method: 'DELETE',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(removal.status).toBe(404);
    });

    it('keeps idle connections open well beyond five seconds', async () => {
      const response = await kit.api('GET', '/statistics/execution-environments');
      const keepAlive = /timeout=(\d+)/.exec(String(response.headers['keep-alive'] ?? ''));
      expect(Number(keepAlive?.[1] ?? 0)).toBeGreaterThan(5);
    });

    it('serves many parallel requests', async () => {
      const responses = await Promise.all(
        Array.from({ length: 60 }, () => kit.api('GET', '/statistics/execution-environments')),
      );
      expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    });

    it('exposes Prometheus metrics', async () => {
      await kit.api('GET', '/execution-environments');
      const response = await kit.client.request('/metrics');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.text).toMatch(/poseidon_api_requests_total\{[^}]*route="\/api\/v1\/execution-environments"/);
    });
  });
}
