/**
 * The resource routes' service (`/api/v1/resources/...`) over the declarative store: reads and writes go to the
 * store (so a read after a write sees it, and `metadata.resourceVersion` is the store's check-and-set token); the
 * live view adds pool figures from the caches and the recent events of the {@link EnvironmentEventLog}.
 */
import type { EnvironmentStatusView, ResourcesService, StoredEnvironmentResource } from '../../api/ports';
import { PoseidonError } from '../../crds/errors';
import type { ExecutionEnvironment } from '../../crds/execution-environment';
import type { ResourceStore } from '../../crds/store/store';
import type { DesiredState } from '../../reconcilers/desired-state';
import type { ObservedState } from '../../reconcilers/ports';
import { environmentStatisticsOf } from '../../reconcilers/statistics/pool-statistics';
import type { EnvironmentEventLog } from './environment-events';

const KIND = 'ExecutionEnvironment';

/** Collaborators of {@link StoreResourcesService}. */
export interface ResourcesServiceDeps {
  readonly store: ResourceStore;
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  readonly events: EnvironmentEventLog;
}

/** {@link ResourcesService} over the store and the caches. */
export class StoreResourcesService implements ResourcesService {
  constructor(private readonly deps: ResourcesServiceDeps) {}

  list(): Promise<StoredEnvironmentResource[]> {
    return this.deps.store.list(KIND);
  }

  get(name: string): Promise<StoredEnvironmentResource | undefined> {
    return this.deps.store.get(KIND, name);
  }

  create(resource: ExecutionEnvironment): Promise<StoredEnvironmentResource> {
    const { status: _status, ...rest } = resource;
    return this.deps.store.create(KIND, rest);
  }

  update(resource: ExecutionEnvironment): Promise<StoredEnvironmentResource> {
    return this.deps.store.update(KIND, resource);
  }

  async delete(name: string, resourceVersion?: string): Promise<StoredEnvironmentResource> {
    const current = await this.deps.store.get(KIND, name);
    if (!current) throw new PoseidonError('NotFound', `${KIND} "${name}" not found`);
    await this.deps.store.delete(KIND, name, resourceVersion === undefined ? {} : { resourceVersion });
    return current;
  }

  async status(name: string): Promise<EnvironmentStatusView | undefined> {
    const resource = await this.deps.store.get(KIND, name);
    if (!resource) return undefined;
    const { desired, observed } = this.deps;
    const cached = desired.environment(resource.spec.id);
    const figures =
      cached?.metadata.name === name
        ? environmentStatisticsOf(cached, desired, observed)
        : { idleRunners: 0, usedRunners: 0 };
    const status = resource.status;
    const generation = resource.metadata.generation ?? 0;
    const ready = status?.conditions?.find((condition) => condition.type === 'Ready');
    const pool = {
      desired: resource.spec.prewarmingPoolSize,
      idle: figures.idleRunners,
      used: figures.usedRunners,
    };
    return {
      name,
      environmentId: resource.spec.id,
      generation,
      resourceVersion: resource.metadata.resourceVersion ?? '',
      observedGeneration: status?.observedGeneration,
      templateRevision: status?.templateRevision,
      conditions: status?.conditions ?? [],
      pool,
      warm: (status?.observedGeneration ?? -1) >= generation && ready?.status === 'True' && pool.idle >= pool.desired,
      events: this.deps.events.eventsOf(name),
    };
  }
}
