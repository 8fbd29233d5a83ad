/**
 * An in-memory EnvironmentsService for API tests: environments live in a map; replacing or deleting one tells the
 * listener (the in-memory runners) so that environment's runners go away, as the real service's reconcilers do.
 */
import type { EnvironmentInput, EnvironmentView, EnvironmentsService } from '../../api/ports';
import { PoseidonError } from '../../crds/errors';

/** Told about every environment change (the runners react). */
export type EnvironmentListener = (id: number, change: 'created' | 'replaced' | 'deleted') => void;

/** Stateful environments. */
export class MemoryEnvironments implements EnvironmentsService {
  private readonly environments = new Map<number, EnvironmentView>();
  private readonly listeners = new Set<EnvironmentListener>();

  /** Subscribes to changes. */
  onChange(listener: EnvironmentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The stored environment (synchronous, for the runners). */
  find(id: number): EnvironmentView | undefined {
    return this.environments.get(id);
  }

  /** Every stored environment, by id. */
  all(): EnvironmentView[] {
    return [...this.environments.values()].sort((a, b) => a.id - b.id);
  }

  async list(): Promise<EnvironmentView[]> {
    return this.all();
  }

  async get(id: number): Promise<EnvironmentView | undefined> {
    return this.environments.get(id);
  }

  async put(input: EnvironmentInput): Promise<'created' | 'replaced'> {
    if (input.image === '') throw new PoseidonError('Invalid', 'spec.image: expected a non-empty string');
    const change = this.environments.has(input.id) ? 'replaced' : 'created';
    this.environments.set(input.id, {
      prewarmingPoolSize: input.prewarmingPoolSize,
      cpuLimit: input.cpuLimit,
      memoryLimit: input.memoryLimit,
      image: input.image,
      networkAccess: input.networkAccess,
      exposedPorts: input.exposedPorts.length > 0 ? [...input.exposedPorts] : null,
      id: input.id,
    });
    for (const listener of this.listeners) listener(input.id, change);
    return change;
  }

  async delete(id: number): Promise<boolean> {
    if (!this.environments.delete(id)) return false;
    for (const listener of this.listeners) listener(id, 'deleted');
    return true;
  }
}
