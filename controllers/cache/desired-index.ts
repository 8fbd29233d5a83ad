/**
 * The indexes behind the desired cache: environments by name and by `spec.id`, runners by name and by
 * `spec.environmentId`. Every update is O(1); list answers are built lazily and kept until the next change of
 * what they cover, so repeated reads between writes cost nothing.
 */
import type { StoredEnvironment, StoredRunner } from '../../reconcilers/desired-state';
import type { Stored } from '../../crds/store/store';
import type { ResourceKind } from '../../crds/resources';

/** Any stored resource. */
export type StoredResource = Stored<ResourceKind>;

/**
 * True unless `incoming` is provably older than `current`: resourceVersions that are both decimal integers (as the
 * project's stores write them) are compared; opaque ones are taken as newer.
 */
export function isNotOlder(incoming: StoredResource, current: StoredResource | undefined): boolean {
  const next = incoming.metadata.resourceVersion;
  const now = current?.metadata.resourceVersion;
  if (next === undefined || now === undefined || !/^\d+$/.test(next) || !/^\d+$/.test(now)) return true;
  return BigInt(next) >= BigInt(now);
}

/** Indexed environments and runners. */
export class DesiredIndex {
  private readonly envByName = new Map<string, StoredEnvironment>();
  private readonly envById = new Map<number, StoredEnvironment>();
  private readonly runnerByName = new Map<string, StoredRunner>();
  private readonly runnersByEnv = new Map<number, Map<string, StoredRunner>>();
  private envList: readonly StoredEnvironment[] | undefined;
  private runnerList: readonly StoredRunner[] | undefined;
  private readonly runnerLists = new Map<number, readonly StoredRunner[]>();
  /** Unclaimed runners per environment id, for the claim path and pool counts. */
  private readonly idleByEnv = new Map<number, Map<string, StoredRunner>>();
  private readonly idleLists = new Map<number, readonly StoredRunner[]>();

  environmentNamed(name: string): StoredEnvironment | undefined {
    return this.envByName.get(name);
  }

  environment(id: number): StoredEnvironment | undefined {
    return this.envById.get(id);
  }

  environments(): readonly StoredEnvironment[] {
    return (this.envList ??= Object.freeze([...this.envByName.values()]));
  }

  runner(name: string): StoredRunner | undefined {
    return this.runnerByName.get(name);
  }

  runnersOf(environmentId: number): readonly StoredRunner[] {
    let list = this.runnerLists.get(environmentId);
    if (list === undefined) {
      list = Object.freeze([...(this.runnersByEnv.get(environmentId)?.values() ?? [])]);
      this.runnerLists.set(environmentId, list);
    }
    return list;
  }

  /** Unclaimed runners of an environment. */
  idleRunnersOf(environmentId: number): readonly StoredRunner[] {
    let list = this.idleLists.get(environmentId);
    if (list === undefined) {
      list = Object.freeze([...(this.idleByEnv.get(environmentId)?.values() ?? [])]);
      this.idleLists.set(environmentId, list);
    }
    return list;
  }

  /** Number of runners of an environment, claimed and idle (O(1)). */
  countsOf(environmentId: number): { idle: number; used: number } {
    const all = this.runnersByEnv.get(environmentId)?.size ?? 0;
    const idle = this.idleByEnv.get(environmentId)?.size ?? 0;
    return { idle, used: all - idle };
  }

  runners(): readonly StoredRunner[] {
    return (this.runnerList ??= Object.freeze([...this.runnerByName.values()]));
  }

  /** The stored object of `kind` named `name`. */
  get(kind: ResourceKind, name: string): StoredResource | undefined {
    return kind === 'Runner' ? this.runnerByName.get(name) : this.envByName.get(name);
  }

  /** Inserts or replaces an object; returns the object it replaced. */
  put(kind: ResourceKind, object: StoredResource): StoredResource | undefined {
    return kind === 'Runner'
      ? this.putRunner(object as StoredRunner)
      : this.putEnvironment(object as StoredEnvironment);
  }

  /** Removes an object; returns it when it was there. */
  remove(kind: ResourceKind, name: string): StoredResource | undefined {
    if (kind === 'Runner') {
      const runner = this.runnerByName.get(name);
      if (runner) this.dropRunner(runner);
      return runner;
    }
    const env = this.envByName.get(name);
    if (env) this.dropEnvironment(env);
    return env;
  }

  private putEnvironment(env: StoredEnvironment): StoredEnvironment | undefined {
    const previous = this.envByName.get(env.metadata.name);
    if (previous) this.dropEnvironment(previous);
    this.envByName.set(env.metadata.name, env);
    this.envById.set(env.spec.id, env);
    this.envList = undefined;
    return previous;
  }

  private dropEnvironment(env: StoredEnvironment): void {
    this.envByName.delete(env.metadata.name);
    if (this.envById.get(env.spec.id)?.metadata.name === env.metadata.name) this.envById.delete(env.spec.id);
    this.envList = undefined;
  }

  private putRunner(runner: StoredRunner): StoredRunner | undefined {
    const previous = this.runnerByName.get(runner.metadata.name);
    if (previous) this.dropRunner(previous);
    this.runnerByName.set(runner.metadata.name, runner);
    const envId = runner.spec.environmentId;
    let members = this.runnersByEnv.get(envId);
    if (!members) this.runnersByEnv.set(envId, (members = new Map()));
    members.set(runner.metadata.name, runner);
    if (runner.spec.claim === undefined) {
      let idle = this.idleByEnv.get(envId);
      if (!idle) this.idleByEnv.set(envId, (idle = new Map()));
      idle.set(runner.metadata.name, runner);
      this.idleLists.delete(envId);
    }
    this.runnerLists.delete(envId);
    this.runnerList = undefined;
    return previous;
  }

  private dropRunner(runner: StoredRunner): void {
    const envId = runner.spec.environmentId;
    this.runnerByName.delete(runner.metadata.name);
    const members = this.runnersByEnv.get(envId);
    members?.delete(runner.metadata.name);
    if (members?.size === 0) this.runnersByEnv.delete(envId);
    const idle = this.idleByEnv.get(envId);
    if (idle?.delete(runner.metadata.name)) {
      if (idle.size === 0) this.idleByEnv.delete(envId);
      this.idleLists.delete(envId);
    }
    this.runnerLists.delete(envId);
    this.runnerList = undefined;
  }
}
