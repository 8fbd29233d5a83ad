/**
 * The real service under a non-default configuration (environment variables through `loadConfig`), for what the
 * shared contract cannot assume: HTTPS with TLS 1.3 and `wss://` execution URLs, `/health` turning 503 when a pool is depleted and 204 once it refilled, the
 * `/version` string from `sentry.release`, stderr merged into stdout, and a real out-of-memory kill inside a runner's
 * memory limit (exit 137 with `Killed`, which CodeOcean reports as out of memory).
 */
import { connect as tlsConnect } from 'node:tls';
import { eventually } from '../support/eventually';
import { ContractKit } from './support/contract-kit';
import { liveDescendants } from './support/leaks';
import { startRealService, type RealService } from './support/real-service';
import { selfSignedCertificate } from './support/tls-material';

jest.setTimeout(60_000);

let real: RealService | undefined;
let kit: ContractKit;

beforeAll(async () => {
  real = await startRealService({
    tls: selfSignedCertificate(),
    env: {
      POSEIDON_SERVER_ALERT_PREWARMINGPOOLTHRESHOLD: '0.5',
      POSEIDON_SERVER_INTERACTIVESTDERR: 'false',
      POSEIDON_SENTRY_RELEASE: 'release-under-test',
    },
  });
  kit = new ContractKit(real.target);
});

afterAll(async () => {
  await kit.cleanup();
  await real?.destroy();
  await eventually(() => expect(liveDescendants()).toEqual([]), { timeoutMs: 5000 });
});

async function health(): Promise<{ status: number; body: string }> {
  const response = await kit.client.request('/api/v1/health', { token: null });
  return { status: response.status, body: response.text };
}

it('answers health 503 naming an environment whose pool is below the threshold, then 204 once it is warm', async () => {
  const id = kit.freshEnvironmentId();
  const put = await kit.api('PUT', `/execution-environments/${id}`, {
    image: real?.target.image,
    prewarmingPoolSize: 40,
    memoryLimit: 128,
    cpuLimit: 20,
  });
  expect(put.status).toBe(201);
  // The PUT answers once the spec is stored; 40 runners take far longer to start than this request.
  const answer = await health();
  expect(answer.status).toBe(503);
  expect(JSON.parse(answer.body)).toEqual({
    message: `the prewarming pool is depleting: environments ${id}`,
    errorCode: 'PREWARMING_POOL_DEPLETING',
  });
  await eventually(async () => expect(await health()).toEqual({ status: 204, body: '' }), {
    timeoutMs: 30_000,
    intervalMs: 50,
  });
  expect((await kit.api('DELETE', `/execution-environments/${id}`)).status).toBe(204);
});

it('serves HTTPS with TLS 1.3 only and hands out wss URLs that work', async () => {
  const runnerId = await kit.claim(await kit.createEnvironment({ prewarmingPoolSize: 1 }), 60);
  const url = await kit.execute(runnerId, { command: 'echo secure' });
  expect(url.startsWith(`wss://127.0.0.1:${real?.service.address.port}/`)).toBe(true);
  expect((await kit.run(runnerId, { command: 'echo secure' })).stdout).toBe('secure\r\n');
  const tls12 = await new Promise<string>((resolve) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: real?.service.address.port ?? 0,
      ca: real?.target.ca,
      maxVersion: 'TLSv1.2',
    });
    socket.once('secureConnect', () => {
      resolve(`connected with ${String(socket.getProtocol())}`);
      socket.destroy();
    });
    socket.once('error', () => resolve('refused'));
  });
  expect(tls12).toBe('refused');
});

it('answers version with the configured release', async () => {
  const response = await kit.client.request('/api/v1/version', { token: null });
  expect([response.status, response.json()]).toEqual([200, 'release-under-test']);
});

it('merges stderr into stdout when interactive stderr is off', async () => {
  const runnerId = await kit.claim(await kit.createEnvironment({ prewarmingPoolSize: 1 }), 60);
  const run = await kit.run(runnerId, { command: 'echo out; echo err >&2' });
  expect(run.messages.some((message) => message.type === 'stderr')).toBe(false);
  expect(run.stdout).toBe('out\r\nerr\r\n');
});

it('reports a program killed at the memory limit as exit 137 with Killed, and the runner goes on', async () => {
  const runnerId = await kit.claim(await kit.createEnvironment({ prewarmingPoolSize: 1, memoryLimit: 32 }), 60);
  const run = await kit.run(runnerId, { command: 'head -c 200m /dev/zero | tail' });
  expect(run.terminal).toEqual({ type: 'exit', data: 137 });
  expect(run.stdout).toMatch(/Killed/);
  // As with Nomad and Docker: only the program died, the runner's task runs on (give the reconciler time to act).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await kit.run(runnerId, { command: 'echo still here' });
  expect(after.terminal).toEqual({ type: 'exit', data: 0 });
  expect(after.stdout).toBe('still here\r\n');
});
