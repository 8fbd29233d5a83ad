/**
 * Contract: execution environments (poseidon-api.md 4.4) and the request-body leniency of the original's decoder.
 */
import type { ApiTarget } from '../support/api-target';
import { ContractKit } from '../support/contract-kit';
import { eventually } from '../../support/eventually';
import { protocolProblems } from './message-schema';

/** Registers the environment tests. */
export function describeEnvironmentsContract(getTarget: () => ApiTarget): void {
  describe('execution environments', () => {
    let kit: ContractKit;
    const created: number[] = [];
    beforeAll(() => {
      kit = new ContractKit(getTarget());
    });
    afterAll(async () => {
      for (const id of created) await kit.api('DELETE', `/execution-environments/${id}`);
      await kit.cleanup();
    });

    function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
      return {
        image: getTarget().image,
        prewarmingPoolSize: 0,
        cpuLimit: 20,
        memoryLimit: 128,
        networkAccess: false,
        exposedPorts: [],
        ...overrides,
      };
    }

    async function put(id: number, payload: unknown): Promise<number> {
      const response = await kit.api('PUT', `/execution-environments/${id}`, payload);
      if (response.status === 201) created.push(id);
      return response.status;
    }

    it('creates with 201, replaces with 204, and shows the environment in Go key order', async () => {
      const id = kit.freshEnvironmentId();
      expect(await put(id, { id: 1, ...body({ cpuLimit: 30 }) })).toBe(201);
      const response = await kit.api('GET', `/execution-environments/${id}`);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(response.json<object>())).toEqual([
        'prewarmingPoolSize',
        'cpuLimit',
        'memoryLimit',
        'image',
        'networkAccess',
        'exposedPorts',
        'id',
      ]);
      expect(response.json()).toEqual({ ...body({ cpuLimit: 30 }), exposedPorts: null, id });
      const replaced = await kit.api('PUT', `/execution-environments/${id}`, body({ cpuLimit: 40 }));
      expect(replaced.status).toBe(204);
      expect(replaced.body.length).toBe(0);
      expect((await kit.api('GET', `/execution-environments/${id}`)).json()).toMatchObject({ cpuLimit: 40 });
    });

    it('lists environments under executionEnvironments', async () => {
      const id = kit.freshEnvironmentId();
      await put(id, body());
      for (const fetch of ['', '?fetch=true', '?fetch=1', '?fetch=F']) {
        const response = await kit.api('GET', `/execution-environments${fetch}`);
        expect(response.status).toBe(200);
        const list = response.json<{ executionEnvironments: { id: number }[] }>().executionEnvironments;
        expect(list.map((environment) => environment.id)).toContain(id);
      }
    });

    it('rejects an unparsable fetch parameter with 400', async () => {
      for (const path of ['/execution-environments?fetch=yes', '/execution-environments/1?fetch=maybe']) {
        const response = await kit.api('GET', path);
        expect(response.status).toBe(400);
        expect(response.json()).toEqual({ message: expect.stringContaining('fetch') });
      }
    });

    it('deletes with 204, then answers 404 with empty bodies', async () => {
      const id = kit.freshEnvironmentId();
      await put(id, body());
      const removal = await kit.api('DELETE', `/execution-environments/${id}`);
      expect(removal.status).toBe(204);
      expect(removal.body.length).toBe(0);
      for (const method of ['GET', 'DELETE']) {
        const response = await kit.api(method, `/execution-environments/${id}`);
        expect(response.status).toBe(404);
        expect(response.body.length).toBe(0);
      }
    });

    it('accepts leading zeros in the id', async () => {
      const id = kit.freshEnvironmentId();
      await put(id, body());
      expect((await kit.api('GET', `/execution-environments/00${id}`)).json()).toMatchObject({ id });
    });

    it('keeps exposed ports only with network access and drops port 0', async () => {
      const closed = kit.freshEnvironmentId();
      await put(closed, body({ exposedPorts: [8080] }));
      expect((await kit.api('GET', `/execution-environments/${closed}`)).json()).toMatchObject({ exposedPorts: null });
      const open = kit.freshEnvironmentId();
      await put(open, body({ networkAccess: true, exposedPorts: [0, 8080, 9090] }));
      expect((await kit.api('GET', `/execution-environments/${open}`)).json()).toMatchObject({
        networkAccess: true,
        exposedPorts: [8080, 9090],
      });
    });

    it('ignores unknown fields and trailing bytes, matches field names case-insensitively', async () => {
      const id = kit.freshEnvironmentId();
      const text = `${JSON.stringify({ ...body(), CPULimit: 55, somethingElse: { deep: [1] } })} trailing garbage`;
      expect(await put(id, text)).toBe(201);
      expect((await kit.api('GET', `/execution-environments/${id}`)).json()).toMatchObject({ cpuLimit: 55 });
    });

    it('takes Go zero values for missing fields', async () => {
      const id = kit.freshEnvironmentId();
      expect(await put(id, { image: getTarget().image })).toBe(201);
      expect((await kit.api('GET', `/execution-environments/${id}`)).json()).toEqual({
        prewarmingPoolSize: 0,
        cpuLimit: 0,
        memoryLimit: 0,
        image: getTarget().image,
        networkAccess: false,
        exposedPorts: null,
        id,
      });
    });

    it.each([
      ['an empty body', ''],
      ['malformed JSON', '{"image": '],
      ['an array', '[]'],
      ['a string for a number', { prewarmingPoolSize: '1' }],
      ['a negative number', { cpuLimit: -1 }],
      ['a fraction', { memoryLimit: 1.5 }],
      ['a port above 65535', { networkAccess: true, exposedPorts: [70000] }],
      ['a negative port', { networkAccess: true, exposedPorts: [-1] }],
      ['ports that are not a list', { networkAccess: true, exposedPorts: 80 }],
      ['a number for a boolean', { networkAccess: 1 }],
      ['a number for the image', { image: 5 }],
    ])('rejects %s with 400 and a message, storing nothing', async (_name, payload) => {
      const id = kit.freshEnvironmentId();
      const text = typeof payload === 'string' ? payload : JSON.stringify({ ...body(), ...payload });
      const response = await kit.api('PUT', `/execution-environments/${id}`, text);
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({ message: expect.any(String) });
      expect((await kit.api('GET', `/execution-environments/${id}`)).status).toBe(404);
    });

    it('ends a running execution with an error and Close 1000 when its environment is deleted', async () => {
      const id = await kit.createEnvironment({ prewarmingPoolSize: 1 });
      const runnerId = await kit.claim(id, 60);
      const socket = await kit.attach(await kit.execute(runnerId, { command: 'echo ready; sleep 100' }));
      await socket.waitFor((message) => message.type === 'stdout');
      expect((await kit.api('DELETE', `/execution-environments/${id}`)).status).toBe(204);
      const closed = await socket.closed;
      expect(closed.code).toBe(1000);
      expect(protocolProblems(socket.messages)).toEqual([]);
      expect(socket.messages[socket.messages.length - 1]).toEqual({
        type: 'error',
        data: expect.stringMatching(/^(the allocation stopped as expected|Error executing the request)$/),
      });
      await eventually(async () => (await kit.api('GET', `/runners/${runnerId}/files`)).status === 410, {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
    });

    it('destroys the claimed runners of an environment that is replaced', async () => {
      const id = await kit.createEnvironment({ prewarmingPoolSize: 1 });
      const runnerId = await kit.claim(id);
      await kit.api('PUT', `/execution-environments/${id}`, body({ prewarmingPoolSize: 1, cpuLimit: 21 }));
      await eventually(async () => (await kit.api('DELETE', `/runners/${runnerId}`)).status === 410, {
        timeoutMs: 30_000,
        intervalMs: 20,
      });
    });
  });
}
