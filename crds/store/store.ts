import type { DeepReadonly, ResourceByKind, ResourceKind } from '../resources';

/** A stored resource of kind K as handed out by the store: frozen, never to be mutated. */
export type Stored<K extends ResourceKind> = DeepReadonly<ResourceByKind[K]>;

/** What a create takes: the store fills in generation, resourceVersion, creationTimestamp and uid. */
export type NewResource<K extends ResourceKind> = Omit<ResourceByKind[K], 'status'> & {
  status?: ResourceByKind[K]['status'];
};

/** A change seen by a watcher. `object` is the new state, or the last state for `deleted`. */
export interface WatchEvent<K extends ResourceKind = ResourceKind> {
  type: 'added' | 'modified' | 'deleted';
  kind: K;
  name: string;
  object: Stored<K>;
}

/** Options of {@link ResourceStore.delete}. */
export interface DeleteOptions {
  /** When set, the delete only happens if the stored resourceVersion still equals it (else `Conflict`). */
  resourceVersion?: string;
}

/**
 * The declarative store of desired state (port). Adapters: the file-backed store (embedded default) and Nomad
 * Variables (clusters).
 *
 * Rules every adapter keeps:
 * - `resourceVersion` changes on every write; `generation` increments only when `spec` (or labels) change;
 * - `update` and `updateStatus` fail with `Conflict` when the given `metadata.resourceVersion` is stale, and with
 *   `NotFound` when the object is gone; `update` ignores `status`, `updateStatus` ignores everything but `status`;
 * - `create` fails with `AlreadyExists` on a taken name, or on a taken `spec.id` for environments;
 * - a write is durable when its promise resolves, and a crash at any instant leaves the old or the new state;
 * - returned objects are frozen.
 */
export interface ResourceStore {
  get<K extends ResourceKind>(kind: K, name: string): Promise<Stored<K> | undefined>;
  list<K extends ResourceKind>(kind: K): Promise<Stored<K>[]>;
  create<K extends ResourceKind>(kind: K, resource: NewResource<K>): Promise<Stored<K>>;
  update<K extends ResourceKind>(kind: K, resource: NewResource<K> | Stored<K>): Promise<Stored<K>>;
  updateStatus<K extends ResourceKind>(
    kind: K,
    name: string,
    resourceVersion: string,
    status: ResourceByKind[K]['status'],
  ): Promise<Stored<K>>;
  delete(kind: ResourceKind, name: string, options?: DeleteOptions): Promise<void>;
  /** Calls `listener` after every committed write, in commit order. Returns the function that stops watching. */
  watch(listener: (event: WatchEvent) => void): () => void;
  /** Flushes and releases files and locks. */
  close(): Promise<void>;
}
