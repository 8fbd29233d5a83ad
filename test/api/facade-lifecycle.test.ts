/**
 * Facade behaviour around its own lifecycle and bookkeeping: shutting down with open keep-alive connections and live
 * executions, the inactivity rules driven by a manual clock, execution metrics, non-WebSocket upgrades.
 */
import http from 'node:http';
import net from 'node:net';
import { FakeClock } from '../support/fake-clock';
import { eventually } from '../support/eventually';
import { ContractKit } from './support/contract-kit';
import { startInProcessApi, type InProcessApi } from './support/in-process-api';

/** A raw connection that made one keep-alive request and now idles; `ended` resolves when the server closes it. */
async function idleKeepAliveConnection(baseUrl: string): Promise<{ ended: Promise<void> }> {
  const url = new URL(baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => {
    socket.once('data', () => resolve());
    socket.write(`GET /api/v1/version HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
  });
  return { ended };
}

describe('the facade lifecycle', () => {
  let api: InProcessApi | undefined;
  let kit: ContractKit | undefined;
  afterEach(async () => {
    await kit?.cleanup();
    await api?.close();
    kit = undefined;
    api = undefined;
  });

  it('closes promptly: live executions get an error and Close 1000, keep-alive sockets end, processes die', async () => {
    api = await startInProcessApi();
    kit = new ContractKit(api.target);
    const runnerId = await kit.claim(await kit.createEnvironment({ prewarmingPoolSize: 1 }));
    const idle = await idleKeepAliveConnection(api.target.baseUrl);
    const socket = await kit.attach(await kit.execute(runnerId, { command: 'echo ready; sleep 60' }));
    await socket.waitFor((message) => message.type === 'stdout');
    const started = Date.now();
    kit.client.close();
    kit = undefined;
    await api.server.close();
    expect(Date.now() - started).toBeLessThan(1500);
    const closed = await socket.closed;
    expect(closed.code).toBe(1000);
    await idle.ended;
    expect(socket.messages[socket.messages.length - 1]).toEqual({ type: 'error', data: 'Error executing the request' });
    await eventually(() => api?.exec.runningCount === 0);
    expect(api.server.server.listening).toBe(false);
  });

  it('restarts the inactivity timer on file operations and attaches, not on registering executions', async () => {
    const clock = new FakeClock();
    api = await startInProcessApi({ runners: { clock } });
    kit = new ContractKit(api.target);
    const environmentId = await kit.createEnvironment({ prewarmingPoolSize: 3 });
    const listed = await kit.claim(environmentId, 10);
    const executed = await kit.claim(environmentId, 10);
    clock.advance(6000);
    expect((await kit.api('GET', `/runners/${listed}/files`)).status).toBe(200);
    const url = await kit.execute(executed, { command: 'true' });
    clock.advance(6000);
    expect(api.runners.get(listed)).toBeDefined();
    expect(api.runners.get(executed)).toBeUndefined();
    expect((await kit.api('GET', `/runners/${listed}/files/raw?path=nothing`)).status).toBe(424);
    clock.advance(9000);
    await kit.patch(listed, { copy: [] });
    await kit.patch(listed, { delete: ['x'] });
    clock.advance(9000);
    const attached = await kit.attach(await kit.execute(listed, { command: 'true' }));
    await attached.closed;
    clock.advance(9000);
    expect(api.runners.get(listed)).toBeDefined();
    clock.advance(1000);
    expect(api.runners.get(listed)).toBeUndefined();
    expect(url).toContain(executed);
  });

  it('counts executions by outcome', async () => {
    api = await startInProcessApi();
    kit = new ContractKit(api.target);
    const runnerId = await kit.claim(await kit.createEnvironment({ prewarmingPoolSize: 1 }));
    await kit.run(runnerId, { command: 'true' });
    await kit.run(runnerId, { command: 'sleep 5', timeLimit: -1 });
    const registry = api.registry;
    await eventually(async () => {
      const metrics = await registry.getSingleMetricAsString('poseidon_executions_total');
      expect(metrics).toContain('poseidon_executions_total{outcome="exit"} 1');
      expect(metrics).toContain('poseidon_executions_total{outcome="timeout"} 1');
    });
  });

  it('serves a request that asks for another protocol upgrade as plain HTTP', async () => {
    api = await startInProcessApi();
    const url = new URL('/api/v1/version', api.target.baseUrl);
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(url, { headers: { Connection: 'Upgrade', Upgrade: 'h2c' }, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(response).toEqual({ status: 200, body: '"poseidon-ts-test"' });
  });
});
