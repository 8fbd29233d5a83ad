/**
 * A ResourceStore that answers every write one event-loop turn late (as a durable store waits for its disk), so
 * concurrent writers really interleave in tests.
 */
import type { ResourceByKind, ResourceKind } from '../../../crds/resources';
import type { DeleteOptions, NewResource, ResourceStore, Stored, WatchEvent } from '../../../crds/store/store';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Delegates to `inner`, delaying each write by one turn of the event loop. */
export class DelayedStore implements ResourceStore {
  constructor(private readonly inner: ResourceStore) {}

  get<K extends ResourceKind>(kind: K, name: string): Promise<Stored<K> | undefined> {
    return this.inner.get(kind, name);
  }

  list<K extends ResourceKind>(kind: K): Promise<Stored<K>[]> {
    return this.inner.list(kind);
  }

  async create<K extends ResourceKind>(kind: K, resource: NewResource<K>): Promise<Stored<K>> {
    await turn();
    return this.inner.create(kind, resource);
  }

  async update<K extends ResourceKind>(kind: K, resource: NewResource<K> | Stored<K>): Promise<Stored<K>> {
    await turn();
    return this.inner.update(kind, resource);
  }

  async updateStatus<K extends ResourceKind>(
    kind: K,
    name: string,
    resourceVersion: string,
    status: ResourceByKind[K]['status'],
  ): Promise<Stored<K>> {
    await turn();
    return this.inner.updateStatus(kind, name, resourceVersion, status);
  }

  async delete(kind: ResourceKind, name: string, options?: DeleteOptions): Promise<void> {
    await turn();
    return this.inner.delete(kind, name, options);
  }

  watch(listener: (event: WatchEvent) => void): () => void {
    return this.inner.watch(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
