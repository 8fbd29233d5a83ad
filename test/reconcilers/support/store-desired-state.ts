/**
 * A minimal DesiredState over a ResourceStore for reconciler tests: loads the store once, then follows its watch.
 * (The controller's real desired cache lives in controllers/cache; this adapter keeps the reconciler suites
 * independent of its progress.)
 */
import type { ResourceStore, WatchEvent } from '../../../crds/store/store';
import type { DesiredState, StoredEnvironment, StoredRunner } from '../../../reconcilers/desired-state';

/** DesiredState following a store's watch. */
export class StoreDesiredState implements DesiredState {
  private readonly environmentsByName = new Map<string, StoredEnvironment>();
  private readonly runnersByName = new Map<string, StoredRunner>();
  private unwatch: (() => void) | undefined;

  private constructor(private readonly store: ResourceStore) {}

  /** Loads the store's objects and starts following its writes. */
  static async open(store: ResourceStore): Promise<StoreDesiredState> {
    const state = new StoreDesiredState(store);
    state.unwatch = store.watch((event) => state.apply(event));
    for (const environment of await store.list('ExecutionEnvironment')) {
      state.environmentsByName.set(environment.metadata.name, environment);
    }
    for (const runner of await store.list('Runner')) state.runnersByName.set(runner.metadata.name, runner);
    return state;
  }

  /** Stops following the store. */
  close(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  environment(id: number): StoredEnvironment | undefined {
    for (const environment of this.environmentsByName.values()) if (environment.spec.id === id) return environment;
    return undefined;
  }

  environments(): readonly StoredEnvironment[] {
    return [...this.environmentsByName.values()];
  }

  runner(name: string): StoredRunner | undefined {
    return this.runnersByName.get(name);
  }

  runnersOf(environmentId: number): readonly StoredRunner[] {
    return [...this.runnersByName.values()].filter((runner) => runner.spec.environmentId === environmentId);
  }

  runners(): readonly StoredRunner[] {
    return [...this.runnersByName.values()];
  }

  private apply(event: WatchEvent): void {
    const table: Map<string, unknown> = event.kind === 'Runner' ? this.runnersByName : this.environmentsByName;
    if (event.type === 'deleted') table.delete(event.name);
    else table.set(event.name, event.object);
  }
}
