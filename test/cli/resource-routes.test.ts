/**
 * The resource routes over real HTTP against the real service: optimistic concurrency (409 on a stale
 * resourceVersion), precise 400s that change nothing, 404s, the token, the live status view, and that the original
 * `/execution-environments` routes and these see the same store.
 */
import { request } from 'undici';
import { eventually } from '../support/eventually';
import { startCliWorld, type CliWorld } from './support/cli-harness';

/** Answers are checked field by field; `any` keeps those checks short. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let world: CliWorld;
const PATH = '/api/v1/resources/executionenvironments';

beforeAll(async () => {
  world = await startCliWorld();
});

afterAll(async () => {
  await world?.destroy();
});

beforeEach(async () => {
  for (const resource of await world.service.store.list('ExecutionEnvironment')) {
    await world.service.store.delete('ExecutionEnvironment', resource.metadata.name);
  }
});

async function call(method: string, path: string, body?: unknown, token: string | null = world.token) {
  const response = await request(`${world.server}${path}`, {
    method: method as 'GET',
    headers: {
      ...(token === null ? {} : { 'poseidon-token': token }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text === '' ? undefined : (JSON.parse(text) as Json) };
}

function resource(name: string, id: number, pool = 0, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'poseidon.openhpi.de/v1alpha1',
    kind: 'ExecutionEnvironment',
    metadata: { name, ...extra },
    spec: { id, image: 'host', prewarmingPoolSize: pool },
  };
}

describe('resource routes', () => {
  it('creates, reads, updates with check-and-set (409 on a stale resourceVersion) and deletes', async () => {
    const created = await call('POST', PATH, resource('alpha', 1));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ metadata: { name: 'alpha', generation: 1 }, spec: { id: 1, cpuLimit: 40 } });
    const version = created.body?.metadata.resourceVersion as string;

    const updated = await call('PUT', `${PATH}/alpha`, resource('alpha', 1, 2, { resourceVersion: version }));
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ metadata: { generation: 2 }, spec: { prewarmingPoolSize: 2 } });

    const stale = await call('PUT', `${PATH}/alpha`, resource('alpha', 1, 5, { resourceVersion: version }));
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'Conflict' });
    expect((await world.service.store.get('ExecutionEnvironment', 'alpha'))?.spec.prewarmingPoolSize).toBe(2);

    const staleDelete = await call('DELETE', `${PATH}/alpha?resourceVersion=${version}`);
    expect(staleDelete.status).toBe(409);
    const deleted = await call('DELETE', `${PATH}/alpha`);
    expect(deleted).toMatchObject({ status: 200, body: { metadata: { name: 'alpha' } } });
    expect(await world.service.store.get('ExecutionEnvironment', 'alpha')).toBeUndefined();
    expect((await call('GET', `${PATH}/alpha`)).status).toBe(404);
    expect((await call('DELETE', `${PATH}/alpha`)).body).toMatchObject({ code: 'NotFound' });
  });

  it('PUT without a resourceVersion creates (201) or replaces (200); a taken name or id on POST is 409', async () => {
    expect((await call('PUT', `${PATH}/beta`, resource('beta', 2))).status).toBe(201);
    expect((await call('PUT', `${PATH}/beta`, resource('beta', 2, 1))).status).toBe(200);
    expect((await call('POST', PATH, resource('beta', 3))).body).toMatchObject({ code: 'AlreadyExists' });
    const id = await call('POST', PATH, resource('gamma', 2));
    expect(id).toMatchObject({ status: 409, body: { code: 'AlreadyExists' } });
    expect(id.body?.message).toContain('environment id 2 is already used by ExecutionEnvironment "beta"');
  });

  it('answers 400 with every issue, and stores nothing', async () => {
    const invalid = await call('POST', PATH, {
      ...resource('bad', 4),
      spec: { id: -1, image: '', memoryLimit: '1G', colour: 'red' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body?.code).toBe('Invalid');
    const paths = (invalid.body?.details.issues as { path: string }[]).map((issue) => issue.path).sort();
    expect(paths).toEqual(['spec.colour', 'spec.id', 'spec.image', 'spec.memoryLimit']);

    expect((await call('POST', PATH, '{"apiVersion":')).body).toMatchObject({ code: 'Invalid' });
    const mismatch = await call('PUT', `${PATH}/one`, resource('two', 5));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body?.message).toContain('does not match the name in the path "one"');
    const metadata = await call('PUT', `${PATH}/one`, { ...resource('one', 5), metadata: 'one' });
    expect(metadata.body?.details.issues).toEqual([{ path: 'metadata', message: 'must be an object, got "one"' }]);
    expect((await call('GET', `${PATH}/Not_A_Name`)).status).toBe(400);
    expect(await world.service.store.list('ExecutionEnvironment')).toEqual([]);
  });

  it('ignores a status and store-owned metadata sent by the client', async () => {
    const sent = {
      ...resource('delta', 6, 0, { generation: 42, uid: 'mine', creationTimestamp: '2000-01-01T00:00:00Z' }),
      status: { idleRunners: 99 },
    };
    const created = await call('POST', PATH, sent);
    expect(created.status).toBe(201);
    expect(created.body?.metadata.generation).toBe(1);
    expect(created.body?.metadata.uid).not.toBe('mine');
    expect(created.body?.status?.idleRunners).not.toBe(99);
  });

  it('needs the token', async () => {
    expect((await call('GET', PATH, undefined, null)).status).toBe(401);
    expect((await call('GET', PATH, undefined, 'wrong')).status).toBe(401);
    expect((await call('POST', PATH, resource('x', 7), null)).status).toBe(401);
    expect(await world.service.store.list('ExecutionEnvironment')).toEqual([]);
  });

  it('serves the live status with pool figures and events, and shares the store with the original routes', async () => {
    expect(
      (await call('PUT', '/api/v1/execution-environments/8', { image: 'host', prewarmingPoolSize: 1 })).status,
    ).toBe(201);
    const list = await call('GET', PATH);
    expect(list.body).toMatchObject({
      kind: 'ExecutionEnvironmentList',
      items: [{ metadata: { name: 'environment-8' } }],
    });

    const view = await eventually(
      async () => {
        const body = (await call('GET', `${PATH}/environment-8/status`)).body;
        return body?.warm === true && body;
      },
      { timeoutMs: 20_000, intervalMs: 50, message: 'environment-8 warm' },
    );
    expect(view).toMatchObject({
      name: 'environment-8',
      environmentId: 8,
      generation: 1,
      observedGeneration: 1,
      pool: { desired: 1, idle: 1, used: 0 },
      warm: true,
    });
    expect(view?.events.map((event: { reason: string }) => event.reason)).toEqual(
      expect.arrayContaining(['Created', 'PoolReady']),
    );

    expect((await call('DELETE', `${PATH}/environment-8`)).status).toBe(200);
    expect((await call('GET', '/api/v1/execution-environments/8')).status).toBe(404);
    expect((await call('GET', `${PATH}/environment-8/status`)).status).toBe(404);
  });
});
