import type { ExecutionEnvironment } from '../../crds/execution-environment';
import { executePlan, type PlanClient } from './execute-plan';
import { makePlan } from './plan';
import { ApiRequestError } from './resource-client';

function env(name: string, id: number, pool = 1): ExecutionEnvironment {
  return {
    apiVersion: 'poseidon.openhpi.de/v1alpha1',
    kind: 'ExecutionEnvironment',
    metadata: { name },
    spec: {
      id,
      image: 'img',
      prewarmingPoolSize: pool,
      cpuLimit: 40,
      memoryLimit: 0,
      networkAccess: false,
      exposedPorts: [],
    },
  };
}

/** A stateful in-memory server with the resource routes' check-and-set rules and hooks for concurrent writers. */
class FakeServer implements PlanClient {
  readonly objects = new Map<string, ExecutionEnvironment>();
  private version = 0;
  /** Runs before each replace (a concurrent writer). */
  beforeReplace: (name: string) => void = () => undefined;
  failCreate: string | undefined;

  seed(resource: ExecutionEnvironment): ExecutionEnvironment {
    return this.store(resource);
  }

  /** A status write of the controller: same spec, new resourceVersion. */
  touch(name: string, spec: Partial<ExecutionEnvironment['spec']> = {}): void {
    const current = this.objects.get(name) as ExecutionEnvironment;
    this.store({ ...current, spec: { ...current.spec, ...spec } });
  }

  async get(name: string) {
    return this.objects.get(name);
  }

  async create(resource: ExecutionEnvironment) {
    if (this.failCreate === resource.metadata.name) throw new ApiRequestError(500, 'Internal', 'disk full', undefined);
    if (this.objects.has(resource.metadata.name)) throw new ApiRequestError(409, 'AlreadyExists', 'exists', undefined);
    return this.store(resource);
  }

  async replace(resource: ExecutionEnvironment) {
    this.beforeReplace(resource.metadata.name);
    const current = this.objects.get(resource.metadata.name);
    if (!current) throw new ApiRequestError(404, 'NotFound', 'gone', undefined);
    if (resource.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiRequestError(409, 'Conflict', 'stale', undefined);
    }
    return this.store(resource);
  }

  async delete(name: string) {
    const current = this.objects.get(name);
    if (!current) throw new ApiRequestError(404, 'NotFound', 'gone', undefined);
    this.objects.delete(name);
    return current;
  }

  private store(resource: ExecutionEnvironment): ExecutionEnvironment {
    const stored = { ...resource, metadata: { ...resource.metadata, resourceVersion: String(++this.version) } };
    this.objects.set(resource.metadata.name, stored);
    return stored;
  }
}

function output() {
  let text = '';
  return { out: { write: (chunk: string) => void (text += chunk) }, text: () => text };
}

const run = { dryRun: false, showUnchanged: true };

describe('executePlan', () => {
  it('retries an update after a concurrent status write and ends with the desired spec', async () => {
    const server = new FakeServer();
    const live = server.seed(env('a', 1));
    let writes = 0;
    server.beforeReplace = (name) => {
      if (writes++ < 2) server.touch(name);
    };
    const { out, text } = output();
    const result = await executePlan(server, makePlan([env('a', 1, 3)], [live], { prune: false }), out, run);
    expect(result.changed).toBe(1);
    expect(text()).toBe('executionenvironment/a configured\n');
    expect(server.objects.get('a')?.spec.prewarmingPoolSize).toBe(3);
  });

  it('reports unchanged when another writer already made the same change', async () => {
    const server = new FakeServer();
    const live = server.seed(env('a', 1));
    server.beforeReplace = (name) => server.touch(name, { prewarmingPoolSize: 3 });
    const { out, text } = output();
    const result = await executePlan(server, makePlan([env('a', 1, 3)], [live], { prune: false }), out, run);
    expect(result.changed).toBe(0);
    expect(text()).toBe('executionenvironment/a unchanged\n');
  });

  it('gives up after repeated conflicts, naming what was already applied', async () => {
    const server = new FakeServer();
    const live = server.seed(env('b', 2));
    server.beforeReplace = (name) => server.touch(name, { memoryLimit: Math.floor(Math.random() * 1000) + 1 });
    const plan = makePlan([env('a', 1), env('b', 2, 5)], [live], { prune: false });
    const { out } = output();
    await expect(executePlan(server, plan, out, run)).rejects.toThrow(
      'executionenvironment/b: stale\n(already applied: executionenvironment/a created)',
    );
    expect(server.objects.get('a')).toBeDefined();
  });

  it('creates a resource that vanished before its update, and tolerates deleting one that is gone', async () => {
    const server = new FakeServer();
    const a = server.seed(env('a', 1));
    const gone = server.seed(env('gone', 2));
    const plan = makePlan([env('a', 1, 2)], [a, gone], { prune: true });
    server.objects.delete('gone');
    server.beforeReplace = (name) => void server.objects.delete(name);
    const { out, text } = output();
    await executePlan(server, plan, out, run);
    expect(text()).toBe('executionenvironment/gone deleted\nexecutionenvironment/a created\n');
    expect(server.objects.get('a')?.spec.prewarmingPoolSize).toBe(2);
  });

  it('writes nothing in a dry run and stops at the first failure', async () => {
    const server = new FakeServer();
    const plan = makePlan([env('a', 1), env('b', 2)], [], { prune: false });
    const dry = output();
    await executePlan(server, plan, dry.out, { ...run, dryRun: true });
    expect(dry.text()).toBe('executionenvironment/a created (dry run)\nexecutionenvironment/b created (dry run)\n');
    expect(server.objects.size).toBe(0);

    server.failCreate = 'a';
    await expect(executePlan(server, plan, output().out, run)).rejects.toThrow(
      'executionenvironment/a: disk full\n(nothing was changed)',
    );
    expect(server.objects.size).toBe(0);
  });
});
