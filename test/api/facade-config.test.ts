/**
 * Facade behaviour that depends on its configuration (not part of the target-independent contract): health
 * thresholds, the version string, TLS and wss URLs, merged stderr, the body limit, running without a token.
 */
import { ContractKit, base64 } from './support/contract-kit';
import { startInProcessApi, type InProcessApi } from './support/in-process-api';
import { selfSignedCertificate } from './support/tls-material';
import { connect, isSocket } from './support/ws-client';

describe('the facade under different configurations', () => {
  let api: InProcessApi | undefined;
  let kit: ContractKit | undefined;
  afterEach(async () => {
    await kit?.cleanup();
    await api?.close();
    kit = undefined;
    api = undefined;
  });

  async function start(options: Parameters<typeof startInProcessApi>[0]): Promise<[InProcessApi, ContractKit]> {
    api = await startInProcessApi(options);
    kit = new ContractKit(api.target);
    return [api, kit];
  }

  it('answers health 503 PREWARMING_POOL_DEPLETING naming the environments below the threshold', async () => {
    const [server, client] = await start({ config: { prewarmingPoolThreshold: 0.5 } });
    const low = await client.createEnvironment({ prewarmingPoolSize: 4 });
    const fine = await client.createEnvironment({ prewarmingPoolSize: 4 });
    await client.createEnvironment({ prewarmingPoolSize: 0 });
    expect((await client.client.request('/api/v1/health', { token: null })).status).toBe(204);
    server.runners.setIdle(low, 1);
    server.runners.setIdle(fine, 2);
    const response = await client.client.request('/api/v1/health', { token: null });
    expect(response.status).toBe(503);
    expect(response.json()).toEqual({
      message: `the prewarming pool is depleting: environments ${low}`,
      errorCode: 'PREWARMING_POOL_DEPLETING',
    });
  });

  it('answers version 404 without a release string', async () => {
    const [, client] = await start({ config: { release: '' } });
    const response = await client.client.request('/api/v1/version', { token: null });
    expect([response.status, response.body.length]).toEqual([404, 0]);
  });

  it('serves HTTPS with TLS 1.3 and hands out wss URLs that work', async () => {
    const tls = selfSignedCertificate();
    api = await startInProcessApi({ config: { tls } });
    kit = new ContractKit({ ...api.target, ca: tls.cert });
    const environmentId = await kit.createEnvironment({ prewarmingPoolSize: 1 });
    const runnerId = await kit.claim(environmentId);
    const url = await kit.execute(runnerId, { command: 'echo secure' });
    expect(url.startsWith('wss://127.0.0.1:')).toBe(true);
    const socket = await connect(url, { token: api.target.token, ca: tls.cert });
    if (!isSocket(socket)) throw new Error(`rejected: ${socket.status}`);
    await socket.closed;
    expect(socket.output()).toBe('secure\r\n');
  });

  it('merges stderr into stdout when interactive stderr is off', async () => {
    const [, client] = await start({ config: { interactiveStderr: false } });
    const runnerId = await client.claim(await client.createEnvironment({ prewarmingPoolSize: 1 }));
    const run = await client.run(runnerId, { command: 'echo out; echo err >&2' });
    expect(run.messages.some((message) => message.type === 'stderr')).toBe(false);
    expect(run.stdout).toBe('out\r\nerr\r\n');
  });

  it('rejects bodies above the limit with 413 and stays usable', async () => {
    const [, client] = await start({ config: { maxBodyBytes: 64 * 1024 } });
    const runnerId = await client.claim(await client.createEnvironment({ prewarmingPoolSize: 1 }));
    const response = await client.api('PATCH', `/runners/${runnerId}/files`, {
      copy: [{ path: 'big', content: base64(Buffer.alloc(100 * 1024)) }],
    });
    expect(response.status).toBe(413);
    expect(response.json()).toEqual({ message: expect.any(String) });
    await client.patch(runnerId, { copy: [{ path: 'small', content: base64('s') }] });
  });

  it('needs no token when none is configured', async () => {
    const [, client] = await start({ config: { token: '' } });
    const response = await client.client.request('/api/v1/execution-environments', { token: null });
    expect(response.status).toBe(200);
  });
});
