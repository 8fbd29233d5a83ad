/**
 * The original API's environment routes over the declarative store: a PUT writes the desired spec (the controller
 * converges it) and answers once the spec is stored, not when the pool is warm.
 */
import type { EnvironmentInput, EnvironmentView, EnvironmentsService } from '../../api/ports';
import { hasErrorCode } from '../../crds/errors';
import { API_GROUP_VERSION } from '../../crds/meta';
import type { ExecutionEnvironmentSpec } from '../../crds/execution-environment';
import type { ResourceStore } from '../../crds/store/store';
import type { DesiredState, StoredEnvironment } from '../../reconcilers/desired-state';
import { environmentResourceName } from '../../reconcilers/naming';

/** Reads template jobs of the backend that have no environment yet and stores them (for `?fetch=true`). */
export type AdoptEnvironments = (onlyId?: number) => Promise<void>;

/** Collaborators of {@link StoreEnvironmentsService}. */
export interface EnvironmentsServiceDeps {
  store: ResourceStore;
  desired: DesiredState;
  adopt: AdoptEnvironments;
}

const MAX_ATTEMPTS = 5;

/** {@link EnvironmentsService} over the store. */
export class StoreEnvironmentsService implements EnvironmentsService {
  constructor(private readonly deps: EnvironmentsServiceDeps) {}

  async list(options: { fetch?: boolean } = {}): Promise<EnvironmentView[]> {
    if (options.fetch) await this.deps.adopt();
    return this.deps.desired
      .environments()
      .map(toView)
      .sort((a, b) => a.id - b.id);
  }

  async get(id: number, options: { fetch?: boolean } = {}): Promise<EnvironmentView | undefined> {
    if (options.fetch) await this.deps.adopt(id);
    const environment = this.deps.desired.environment(id);
    return environment ? toView(environment) : undefined;
  }

  async put(input: EnvironmentInput): Promise<'created' | 'replaced'> {
    const spec: ExecutionEnvironmentSpec = {
      id: input.id,
      image: input.image,
      prewarmingPoolSize: input.prewarmingPoolSize,
      cpuLimit: input.cpuLimit,
      memoryLimit: input.memoryLimit,
      networkAccess: input.networkAccess,
      exposedPorts: input.networkAccess ? [...input.exposedPorts] : [],
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeOnce(spec);
      } catch (error) {
        const racing = hasErrorCode(error, 'Conflict') || hasErrorCode(error, 'AlreadyExists');
        if (!racing || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  async delete(id: number): Promise<boolean> {
    const existing = this.deps.desired.environment(id);
    if (!existing) return false;
    try {
      await this.deps.store.delete('ExecutionEnvironment', existing.metadata.name);
    } catch (error) {
      if (hasErrorCode(error, 'NotFound')) return false;
      throw error;
    }
    return true;
  }

  private async writeOnce(spec: ExecutionEnvironmentSpec): Promise<'created' | 'replaced'> {
    const existing = await this.findInStore(spec.id);
    if (existing) {
      await this.deps.store.update('ExecutionEnvironment', {
        apiVersion: API_GROUP_VERSION,
        kind: 'ExecutionEnvironment',
        metadata: existing.metadata,
        spec,
      });
      return 'replaced';
    }
    await this.deps.store.create('ExecutionEnvironment', {
      apiVersion: API_GROUP_VERSION,
      kind: 'ExecutionEnvironment',
      metadata: { name: environmentResourceName(spec.id) },
      spec,
    });
    return 'created';
  }

  /** Reads through to the store (not the cache) so a retried write sees the latest resourceVersion. */
  private async findInStore(id: number): Promise<StoredEnvironment | undefined> {
    const cached = this.deps.desired.environment(id);
    if (cached) {
      const fresh = await this.deps.store.get('ExecutionEnvironment', cached.metadata.name);
      if (fresh && fresh.spec.id === id) return fresh;
    }
    const all = await this.deps.store.list('ExecutionEnvironment');
    return all.find((environment) => environment.spec.id === id);
  }
}

/** The original API's JSON shape of an environment (key order as Go emits it). */
export function toView(environment: StoredEnvironment): EnvironmentView {
  const { spec } = environment;
  return {
    prewarmingPoolSize: spec.prewarmingPoolSize,
    cpuLimit: spec.cpuLimit,
    memoryLimit: spec.memoryLimit,
    image: spec.image,
    networkAccess: spec.networkAccess,
    exposedPorts: spec.networkAccess && spec.exposedPorts.length > 0 ? [...spec.exposedPorts] : null,
    id: spec.id,
  };
}
