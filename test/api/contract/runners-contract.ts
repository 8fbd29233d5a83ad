/**
 * Contract: claiming and releasing runners, the 410 of every runner route, registering executions, inactivity
 * (poseidon-api.md 4.5-4.8, 6.2).
 */
import { eventually } from '../../support/eventually';
import type { ApiTarget } from '../support/api-target';
import { ContractKit, base64 } from '../support/contract-kit';
import { connect, isSocket } from '../support/ws-client';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Registers the runner tests. */
export function describeRunnersContract(getTarget: () => ApiTarget): void {
  describe('runners', () => {
    let kit: ContractKit;
    let environmentId: number;
    beforeAll(async () => {
      kit = new ContractKit(getTarget());
      environmentId = await kit.createEnvironment({ prewarmingPoolSize: 5 });
    });
    afterAll(() => kit.cleanup());

    async function status(runnerId: string): Promise<number> {
      return (await kit.api('POST', `/runners/${runnerId}/execute`, { command: 'true' })).status;
    }

    it('claims a runner: 200 with runnerId <envId>-<uuid> and mappedPorts always a list', async () => {
      const response = await kit.api('POST', '/runners', {
        executionEnvironmentId: environmentId,
        inactivityTimeout: 60,
      });
      expect(response.status).toBe(200);
      const body = response.json<{ runnerId: string; mappedPorts: unknown }>();
      expect(Object.keys(body)).toEqual(['runnerId', 'mappedPorts']);
      expect(body.runnerId.startsWith(`${environmentId}-`)).toBe(true);
      expect(body.mappedPorts).toEqual([]);
      expect(await status(body.runnerId)).toBe(200);
    });

    it('maps the exposed ports of an environment with network access', async () => {
      const id = await kit.createEnvironment({ prewarmingPoolSize: 1, networkAccess: true, exposedPorts: [8080] });
      const response = await kit.api('POST', '/runners', { executionEnvironmentId: id, inactivityTimeout: 60 });
      expect(response.json()).toMatchObject({
        mappedPorts: [{ exposedPort: 8080, hostAddress: expect.stringMatching(/:\d+$/) }],
      });
    });

    it('answers an unknown environment with a JSON 404', async () => {
      const response = await kit.api('POST', '/runners', { executionEnvironmentId: kit.freshEnvironmentId() });
      expect(response.status).toBe(404);
      expect(response.json()).toEqual({ message: expect.any(String) });
    });

    it('answers an empty pool with 500 NOMAD_OVERLOAD', async () => {
      const id = await kit.createEnvironment({ prewarmingPoolSize: 0 });
      const response = await kit.api('POST', '/runners', { executionEnvironmentId: id, inactivityTimeout: 0 });
      expect(response.status).toBe(500);
      expect(response.json()).toEqual({ message: expect.any(String), errorCode: 'NOMAD_OVERLOAD' });
    });

    it('rejects a malformed claim with 400', async () => {
      for (const payload of ['', '{', '{"executionEnvironmentId": "1"}', '{"inactivityTimeout": 1.5}']) {
        const response = await kit.api('POST', '/runners', payload);
        expect(response.status).toBe(400);
        expect(response.json()).toEqual({ message: expect.any(String) });
      }
    });

    it('hands out distinct runners to parallel claims and counts them as used', async () => {
      const id = await kit.createEnvironment({ prewarmingPoolSize: 4 });
      await kit.waitForIdle(id, 4);
      const ids = await Promise.all(Array.from({ length: 4 }, () => kit.claim(id, 60)));
      expect(new Set(ids).size).toBe(4);
      const stats = (await kit.api('GET', '/statistics/execution-environments')).json<Record<string, object>>();
      expect(stats[String(id)]).toMatchObject({ id, prewarmingPoolSize: 4, usedRunners: 4 });
    });

    it('releases with 204; the runner is gone (410) on every route afterwards', async () => {
      const runnerId = await kit.claim(environmentId, 60);
      const release = await kit.api('DELETE', `/runners/${runnerId}`);
      expect(release.status).toBe(204);
      expect(release.body.length).toBe(0);
      const calls: [string, string, unknown?][] = [
        ['DELETE', `/runners/${runnerId}`],
        ['POST', `/runners/${runnerId}/execute`, { command: 'true' }],
        ['GET', `/runners/${runnerId}/websocket?executionID=x`],
        ['GET', `/runners/${runnerId}/files`],
        ['PATCH', `/runners/${runnerId}/files`, { copy: [] }],
        ['GET', `/runners/${runnerId}/files/raw?path=a`],
      ];
      for (const [method, path, payload] of calls) {
        const response = await kit.api(method, path, payload);
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 410 });
        expect(response.json()).toEqual({ message: expect.any(String) });
      }
    });

    it('answers 410 for unknown runner ids, even after reading a large body', async () => {
      const content = base64(Buffer.alloc(8 * 1024 * 1024, 1));
      const response = await kit.api('PATCH', `/runners/${environmentId}-unknown/files`, {
        copy: [{ path: 'big', content }],
      });
      expect(response.status).toBe(410);
      expect((await kit.api('GET', '/runners/nothing-like-a-runner/files')).status).toBe(410);
    });

    it('registers executions with single-use ws URLs on the Host that was called', async () => {
      const runnerId = await kit.claim(environmentId, 60);
      const response = await kit.api('POST', `/runners/${runnerId}/execute`, { command: 'true' });
      expect(response.status).toBe(200);
      const { websocketUrl } = response.json<{ websocketUrl: string }>();
      const url = new URL(websocketUrl);
      const called = new URL(getTarget().baseUrl);
      expect(url.protocol).toBe(called.protocol === 'https:' ? 'wss:' : 'ws:');
      expect(url.host).toBe(called.host);
      expect(url.pathname).toBe(`/api/v1/runners/${runnerId}/websocket`);
      expect(url.searchParams.get('executionID')).toMatch(UUID_V4);
      const custom = await kit.api(
        'POST',
        `/runners/${runnerId}/execute`,
        { command: 'true' },
        {
          Host: 'poseidon.example.org:7200',
        },
      );
      expect(new URL(custom.json<{ websocketUrl: string }>().websocketUrl).host).toBe('poseidon.example.org:7200');
    });

    it("rejects a command with ' with 400 use of forbidden character", async () => {
      const runnerId = await kit.claim(environmentId, 60);
      const response = await kit.api('POST', `/runners/${runnerId}/execute`, { command: "echo 'hi'" });
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({ message: 'use of forbidden character' });
    });

    it('rejects a malformed execution request with 400', async () => {
      const runnerId = await kit.claim(environmentId, 60);
      const unstartable = [
        '{"command": "echo a\\u0000b"}',
        '{"environment": {"A=B": "x"}}',
        '{"environment": {"": "x"}}',
        '{"environment": {"A": "x\\u0000"}}',
      ];
      for (const payload of ['', '{"command": 1}', '{"timeLimit": "5"}', '{"environment": ["A=b"]}', ...unstartable]) {
        const response = await kit.api('POST', `/runners/${runnerId}/execute`, payload);
        expect(response.status).toBe(400);
      }
    });

    it('destroys a runner whose inactivity timeout is negative right away', async () => {
      const runnerId = await kit.claim(environmentId, -1);
      await eventually(async () => (await status(runnerId)) === 410, { timeoutMs: 5000, intervalMs: 20 });
    });

    it('never expires a runner with inactivity timeout 0', async () => {
      const runnerId = await kit.claim(environmentId, 0);
      expect(await status(runnerId)).toBe(200);
    });

    it('expires an inactive runner; file operations restart the timer, registering an execution does not', async () => {
      const touched = await kit.claim(environmentId, 3);
      const untouched = await kit.claim(environmentId, 3);
      const started = Date.now();
      while (Date.now() - started < 4500) {
        expect((await kit.api('GET', `/runners/${touched}/files`)).status).toBe(200);
        await kit.api('POST', `/runners/${untouched}/execute`, { command: 'true' });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(await status(untouched)).toBe(410);
      expect(await status(touched)).toBe(200);
      await eventually(async () => (await status(touched)) === 410, { timeoutMs: 8000, intervalMs: 50 });
    });

    it('counts a WebSocket attach as activity', async () => {
      const runnerId = await kit.claim(environmentId, 4);
      const started = Date.now();
      while (Date.now() - started < 6000) {
        const run = await kit.run(runnerId, { command: 'true' });
        expect(run.terminal).toEqual({ type: 'exit', data: 0 });
      }
      expect(await status(runnerId)).toBe(200);
    });

    it('drops stored executions of a released runner', async () => {
      const runnerId = await kit.claim(environmentId, 60);
      const url = await kit.execute(runnerId, { command: 'true' });
      await kit.api('DELETE', `/runners/${runnerId}`);
      const attempt = await connect(url, { token: getTarget().token });
      expect(isSocket(attempt) ? 101 : attempt.status).toBe(410);
    });
  });
}
