/**
 * The behaviour every ResourceStore adapter promises (crds/store/store.ts), as a jest suite each adapter's test file
 * runs against its own factory. Tests look only at what the store returns and what watchers see.
 */
import { errorCodeOf, type PoseidonError } from '../../crds/errors';
import type { ResourceStore, WatchEvent } from '../../crds/store/store';
import { countingUids, environment, runner, runnerName, steppingClock } from './builders';

/** Opens a fresh, empty store with the injected clock and uid source. */
export type StoreFactory = (options: { clock: () => Date; uid: () => string }) => Promise<ResourceStore>;

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return errorCodeOf(error);
  }
  return 'resolved';
}

/** Registers the contract suite for one adapter. */
export function describeStoreContract(adapter: string, factory: StoreFactory): void {
  describe(`${adapter} (ResourceStore contract)`, () => {
    let store: ResourceStore;
    let events: WatchEvent[];

    beforeEach(async () => {
      store = await factory({ clock: steppingClock(), uid: countingUids() });
      events = [];
      store.watch((event) => events.push(event));
    });
    afterEach(async () => {
      await store.close();
    });

    describe('create', () => {
      it('fills the store-owned metadata and applies schema defaults', async () => {
        const input = environment('python', 10);
        const { prewarmingPoolSize: _omitted, ...spec } = input.spec;
        const created = await store.create('ExecutionEnvironment', { ...input, spec: spec as typeof input.spec });
        expect(created.metadata).toEqual({
          name: 'python',
          generation: 1,
          resourceVersion: '1',
          creationTimestamp: '2024-01-01T00:00:00.000Z',
          uid: 'uid-1',
        });
        expect(created.spec.prewarmingPoolSize).toBe(0);
        expect(await store.get('ExecutionEnvironment', 'python')).toEqual(created);
      });

      it('ignores store-owned metadata sent by the client', async () => {
        const input = environment('python', 10);
        const meta = { ...input.metadata, generation: 7, resourceVersion: '99', uid: 'forged' };
        const created = await store.create('ExecutionEnvironment', { ...input, metadata: meta });
        expect(created.metadata).toMatchObject({ generation: 1, resourceVersion: '1', uid: 'uid-1' });
      });

      it('hands out deep-frozen objects that later changes to the input do not reach', async () => {
        const input = environment('python', 10, { exposedPorts: [8080] });
        const created = await store.create('ExecutionEnvironment', input);
        input.spec.exposedPorts.push(9090);
        expect(Object.isFrozen(created) && Object.isFrozen(created.spec.exposedPorts)).toBe(true);
        expect((await store.get('ExecutionEnvironment', 'python'))?.spec.exposedPorts).toEqual([8080]);
      });

      it('rejects an invalid resource with the issues and stores nothing', async () => {
        const input = environment('python', 10);
        const bad = { ...input, spec: { ...input.spec, memoryLimit: '256MB' as unknown as number } };
        const error = await store.create('ExecutionEnvironment', bad).catch((e: PoseidonError) => e);
        expect(errorCodeOf(error)).toBe('Invalid');
        expect((error as PoseidonError).details).toEqual({
          issues: [{ path: 'spec.memoryLimit', message: 'must be an integer >= 0, got "256MB"' }],
        });
        expect(await store.list('ExecutionEnvironment')).toEqual([]);
        expect(events).toEqual([]);
      });

      it('refuses a taken name and a taken environment id', async () => {
        await store.create('ExecutionEnvironment', environment('python', 10));
        expect(await codeOf(store.create('ExecutionEnvironment', environment('python', 11)))).toBe('AlreadyExists');
        expect(await codeOf(store.create('ExecutionEnvironment', environment('java', 10)))).toBe('AlreadyExists');
        expect((await store.list('ExecutionEnvironment')).map((e) => e.metadata.name)).toEqual(['python']);
      });

      it('keeps names apart per kind', async () => {
        await store.create('ExecutionEnvironment', environment('shared-name', 1));
        await store.create('Runner', runner('shared-name', 1));
        expect(await store.list('Runner')).toHaveLength(1);
        expect(await store.list('ExecutionEnvironment')).toHaveLength(1);
      });
    });

    describe('update', () => {
      it('bumps generation when the spec or labels change, and only the resourceVersion otherwise', async () => {
        const created = await store.create('ExecutionEnvironment', environment('python', 10));
        const resized = await store.update('ExecutionEnvironment', {
          ...created,
          spec: { ...created.spec, prewarmingPoolSize: 5 },
        });
        expect(resized.metadata).toMatchObject({ generation: 2, resourceVersion: '2' });
        const annotated = await store.update('ExecutionEnvironment', {
          ...resized,
          metadata: { ...resized.metadata, annotations: { note: 'x' } },
        });
        expect(annotated.metadata).toMatchObject({ generation: 2, resourceVersion: '3', annotations: { note: 'x' } });
        const labelled = await store.update('ExecutionEnvironment', {
          ...annotated,
          metadata: { ...annotated.metadata, labels: { team: 'a' } },
        });
        expect(labelled.metadata).toMatchObject({ generation: 3, resourceVersion: '4', uid: 'uid-1' });
        expect(labelled.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
      });

      it('skips the write when nothing changes', async () => {
        const created = await store.create('ExecutionEnvironment', environment('python', 10));
        const same = await store.update('ExecutionEnvironment', { ...created });
        expect(same).toEqual(created);
        expect(events.map((e) => e.type)).toEqual(['added']);
      });

      it('fails with Conflict on a stale resourceVersion and leaves the object as it was', async () => {
        const created = await store.create('ExecutionEnvironment', environment('python', 10));
        await store.update('ExecutionEnvironment', { ...created, spec: { ...created.spec, cpuLimit: 50 } });
        const stale = { ...created, spec: { ...created.spec, cpuLimit: 99 } };
        expect(await codeOf(store.update('ExecutionEnvironment', stale))).toBe('Conflict');
        expect((await store.get('ExecutionEnvironment', 'python'))?.spec.cpuLimit).toBe(50);
      });

      it('writes unconditionally when no resourceVersion is given', async () => {
        await store.create('ExecutionEnvironment', environment('python', 10));
        const updated = await store.update('ExecutionEnvironment', environment('python', 10, { cpuLimit: 70 }));
        expect(updated.spec.cpuLimit).toBe(70);
      });

      it('fails with NotFound for an unknown name', async () => {
        expect(await codeOf(store.update('Runner', runner(runnerName(1, 1), 1)))).toBe('NotFound');
      });

      it('ignores status', async () => {
        const created = await store.create('Runner', runner(runnerName(1, 1), 1));
        const withStatus = await store.updateStatus('Runner', created.metadata.name, '1', { phase: 'Running' });
        const updated = await store.update('Runner', {
          ...withStatus,
          spec: { ...withStatus.spec, templateRevision: 'rev-2' },
          status: { phase: 'Failed' },
        });
        expect(updated.status).toEqual({ phase: 'Running' });
        expect(updated.spec.templateRevision).toBe('rev-2');
      });

      it('moves the environment id index when spec.id changes and refuses a taken id', async () => {
        const python = await store.create('ExecutionEnvironment', environment('python', 10));
        await store.create('ExecutionEnvironment', environment('java', 11));
        const taken = { ...python, spec: { ...python.spec, id: 11 } };
        expect(await codeOf(store.update('ExecutionEnvironment', taken))).toBe('AlreadyExists');
        await store.update('ExecutionEnvironment', { ...python, spec: { ...python.spec, id: 12 } });
        await expect(store.create('ExecutionEnvironment', environment('ruby', 10))).resolves.toBeDefined();
        expect(await codeOf(store.create('ExecutionEnvironment', environment('go', 12)))).toBe('AlreadyExists');
      });

      it('lets exactly one of two racing check-and-set writes win', async () => {
        const idle = await store.create('Runner', runner(runnerName(1, 1), 1));
        const claim = (at: string) =>
          store.update('Runner', { ...idle, spec: { ...idle.spec, claim: { inactivityTimeout: 60, claimedAt: at } } });
        const results = await Promise.allSettled([claim('2024-01-01T00:00:01Z'), claim('2024-01-01T00:00:02Z')]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(errorCodeOf(loser?.reason)).toBe('Conflict');
      });
    });

    describe('updateStatus', () => {
      it('changes only the status, keeping the generation', async () => {
        const created = await store.create('Runner', runner(runnerName(1, 1), 1));
        const updated = await store.updateStatus('Runner', created.metadata.name, '1', {
          phase: 'Running',
          observedGeneration: 1,
        });
        expect(updated.metadata).toMatchObject({ generation: 1, resourceVersion: '2' });
        expect(updated.spec).toEqual(created.spec);
        expect(updated.status).toEqual({ phase: 'Running', observedGeneration: 1 });
      });

      it('skips the write when the status is deep-equal', async () => {
        const created = await store.create('Runner', runner(runnerName(1, 1), 1));
        const first = await store.updateStatus('Runner', created.metadata.name, '1', { phase: 'Running' });
        const again = await store.updateStatus('Runner', created.metadata.name, '2', { phase: 'Running' });
        expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
        expect(events.map((e) => e.type)).toEqual(['added', 'modified']);
      });

      it('checks the resourceVersion and the status schema', async () => {
        const created = await store.create('Runner', runner(runnerName(1, 1), 1));
        const name = created.metadata.name;
        expect(await codeOf(store.updateStatus('Runner', name, '7', { phase: 'Running' }))).toBe('Conflict');
        const bad = { phase: 'Sleeping' } as unknown as { phase: 'Running' };
        expect(await codeOf(store.updateStatus('Runner', name, '1', bad))).toBe('Invalid');
        expect(await codeOf(store.updateStatus('Runner', 'missing', '1', {}))).toBe('NotFound');
        expect((await store.get('Runner', name))?.status).toBeUndefined();
      });
    });

    describe('delete', () => {
      it('removes the object and frees its environment id', async () => {
        await store.create('ExecutionEnvironment', environment('python', 10));
        await store.delete('ExecutionEnvironment', 'python');
        expect(await store.get('ExecutionEnvironment', 'python')).toBeUndefined();
        await expect(store.create('ExecutionEnvironment', environment('java', 10))).resolves.toBeDefined();
      });

      it('honours a resourceVersion precondition and reports unknown names', async () => {
        const created = await store.create('Runner', runner(runnerName(1, 1), 1));
        const name = created.metadata.name;
        expect(await codeOf(store.delete('Runner', name, { resourceVersion: '5' }))).toBe('Conflict');
        await store.delete('Runner', name, { resourceVersion: '1' });
        expect(await codeOf(store.delete('Runner', name))).toBe('NotFound');
      });
    });

    describe('watch and versions', () => {
      it('tells watchers every committed write in commit order', async () => {
        const a = runnerName(1, 1);
        const created = await store.create('Runner', runner(a, 1));
        await store.updateStatus('Runner', a, created.metadata.resourceVersion ?? '', { phase: 'Pending' });
        await store.delete('Runner', a);
        await store.create('ExecutionEnvironment', environment('python', 1));
        expect(events.map((e) => [e.type, e.kind, e.name, e.object.metadata.resourceVersion])).toEqual([
          ['added', 'Runner', a, '1'],
          ['modified', 'Runner', a, '2'],
          ['deleted', 'Runner', a, '3'],
          ['added', 'ExecutionEnvironment', 'python', '4'],
        ]);
        expect(events[2]?.object.status).toEqual({ phase: 'Pending' });
      });

      it('keeps committing when a listener throws, and stops calling an unsubscribed listener', async () => {
        const seen: string[] = [];
        const stop = store.watch((event) => seen.push(event.name));
        store.watch(() => {
          throw new Error('listener bug');
        });
        const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
        try {
          await store.create('Runner', runner(runnerName(1, 1), 1));
          stop();
          await store.create('Runner', runner(runnerName(1, 2), 1));
        } finally {
          warn.mockRestore();
        }
        expect(seen).toEqual([runnerName(1, 1)]);
        expect(await store.list('Runner')).toHaveLength(2);
      });

      it('lists objects of one kind sorted by name', async () => {
        for (const n of [3, 1, 2]) await store.create('Runner', runner(runnerName(1, n), 1));
        await store.create('ExecutionEnvironment', environment('python', 1));
        expect((await store.list('Runner')).map((r) => r.metadata.name)).toEqual(
          [1, 2, 3].map((n) => runnerName(1, n)),
        );
      });
    });
  });
}
