/**
 * The rules of the declarative store, shared by every in-process adapter: an in-memory table of frozen resources with
 * validation on write, generation and resourceVersion bookkeeping, optimistic concurrency and the unique index on
 * environment ids. Every write method either throws a {@link PoseidonError} and changes nothing, or applies the
 * change at once and returns it; adapters decide when the change counts as committed (memory: at once; file: after
 * fdatasync) and tell their watchers.
 */
import { PoseidonError } from '../errors';
import type { ObjectMeta } from '../meta';
import type { ResourceByKind, ResourceKind } from '../resources';

import { copyDefined, deepFreeze, sameData } from './plain-data';
import type { DeleteOptions, NewResource, Stored, WatchEvent } from './store';
import { assertKind, nameOf, ownedMeta, validated } from './resource-input';

/** Injected sources of time and identity. */
export interface ObjectTableOptions {
  clock: () => Date;
  uid: () => string;
}

/** What a write did: a change to commit, or nothing (the stored object already equals the request). */
export type WriteOutcome<K extends ResourceKind> =
  | { changed: true; event: WatchEvent<K>; resourceVersion: number }
  | { changed: false; object: Stored<K> };

type AnyStored = Stored<ResourceKind>;

/** The in-memory table of resources with the store's rules. Single-threaded: callers never interleave a write. */
export class ObjectTable {
  private readonly tables = new Map<ResourceKind, Map<string, AnyStored>>();
  /** Unique index: environment `spec.id` -> resource name. */
  private readonly environmentIds = new Map<number, string>();
  private version = 0;

  constructor(private readonly options: ObjectTableOptions) {}

  /** The resourceVersion of the last write (0 when empty). */
  get resourceVersion(): number {
    return this.version;
  }

  /** Number of stored objects of every kind. */
  get size(): number {
    let total = 0;
    for (const table of this.tables.values()) total += table.size;
    return total;
  }

  /** The object of `kind` named `name`, including writes not yet durable. */
  get<K extends ResourceKind>(kind: K, name: string): Stored<K> | undefined {
    return this.tableOf(kind).get(name) as Stored<K> | undefined;
  }

  /** Objects of `kind` sorted by name. */
  list<K extends ResourceKind>(kind: K): Stored<K>[] {
    const objects = [...this.tableOf(kind).values()] as Stored<K>[];
    return objects.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  }

  /** Every stored object, kind by kind (for snapshots). */
  all(): AnyStored[] {
    return [...this.tables.values()].flatMap((table) => [...table.values()]);
  }

  /** Creates an object; throws `Invalid`, or `AlreadyExists` for a taken name or environment id. */
  create<K extends ResourceKind>(kind: K, input: NewResource<K>): WriteOutcome<K> {
    const name = nameOf(kind, input);
    if (this.tableOf(kind).has(name)) {
      throw new PoseidonError('AlreadyExists', `${kind} "${name}" already exists`);
    }
    const candidate = { ...copyDefined(input), metadata: ownedMeta(input.metadata) };
    const valid = validated(kind, candidate);
    this.assertIdFree(valid, name);
    const meta: ObjectMeta = {
      ...valid.metadata,
      generation: 1,
      resourceVersion: String(this.version + 1),
      creationTimestamp: this.options.clock().toISOString(),
      uid: this.options.uid(),
    };
    return this.commit(kind, 'added', { ...valid, metadata: meta });
  }

  /**
   * Replaces spec, labels and annotations (status is kept); a check-and-set when `metadata.resourceVersion` is given.
   * Throws `NotFound`, `Conflict`, `Invalid` or `AlreadyExists` (environment id taken).
   */
  update<K extends ResourceKind>(kind: K, input: NewResource<K> | Stored<K>): WriteOutcome<K> {
    const name = nameOf(kind, input);
    const current = this.current(kind, name, input.metadata.resourceVersion);
    const candidate: Record<string, unknown> = { ...copyDefined(input), metadata: ownedMeta(input.metadata) };
    delete candidate.status;
    if (current.status !== undefined) candidate.status = current.status;
    const valid = validated(kind, candidate);
    const specChanged =
      !sameData(valid.spec, current.spec) || !sameData(valid.metadata.labels, current.metadata.labels);
    if (!specChanged && sameData(valid.metadata.annotations, current.metadata.annotations)) {
      return { changed: false, object: current };
    }
    this.assertIdFree(valid, name);
    const generation = (current.metadata.generation ?? 0) + (specChanged ? 1 : 0);
    const meta = { ...current.metadata, ...valid.metadata, generation, resourceVersion: String(this.version + 1) };
    if (valid.metadata.labels === undefined) delete meta.labels;
    if (valid.metadata.annotations === undefined) delete meta.annotations;
    return this.commit(kind, 'modified', { ...valid, metadata: meta });
  }

  /** Replaces the status only (check-and-set on `resourceVersion`). Throws `NotFound`, `Conflict` or `Invalid`. */
  updateStatus<K extends ResourceKind>(
    kind: K,
    name: string,
    resourceVersion: string,
    status: ResourceByKind[K]['status'],
  ): WriteOutcome<K> {
    assertKind(kind);
    const current = this.current(kind, name, resourceVersion);
    const candidate: Record<string, unknown> = { ...copyDefined(current), status: copyDefined(status) };
    if (status === undefined) delete candidate.status;
    const valid = validated(kind, candidate);
    if (sameData(valid.status, current.status)) return { changed: false, object: current };
    const meta = { ...current.metadata, resourceVersion: String(this.version + 1) };
    return this.commit(kind, 'modified', { ...valid, metadata: meta });
  }

  /** Deletes an object; throws `NotFound`, or `Conflict` when the resourceVersion precondition fails. */
  delete<K extends ResourceKind>(kind: K, name: string, options: DeleteOptions = {}): WriteOutcome<K> {
    assertKind(kind);
    const current = this.current(kind, name, options.resourceVersion);
    const last = { ...current, metadata: { ...current.metadata, resourceVersion: String(this.version + 1) } };
    return this.commit(kind, 'deleted', last as ResourceByKind[K]);
  }

  /** Puts an object as recovered from disk (no checks); `resourceVersion` is the write that produced it. */
  restore(object: AnyStored, resourceVersion: number): void {
    this.remove(object.kind, object.metadata.name);
    this.insert(deepFreeze(object));
    this.version = Math.max(this.version, resourceVersion);
  }

  /** Removes an object as recovered from disk (a logged delete). */
  restoreDelete(kind: ResourceKind, name: string, resourceVersion: number): void {
    this.remove(kind, name);
    this.version = Math.max(this.version, resourceVersion);
  }

  /** Raises the resourceVersion counter (a snapshot records it, since deletes leave no object behind). */
  restoreVersion(resourceVersion: number): void {
    this.version = Math.max(this.version, resourceVersion);
  }

  private commit<K extends ResourceKind>(
    kind: K,
    type: WatchEvent['type'],
    object: ResourceByKind[K],
  ): WriteOutcome<K> {
    const frozen = deepFreeze(object) as Stored<K>;
    this.version += 1;
    const name = frozen.metadata.name;
    this.remove(kind, name);
    if (type !== 'deleted') this.insert(frozen);
    return { changed: true, event: { type, kind, name, object: frozen }, resourceVersion: this.version };
  }

  private current<K extends ResourceKind>(kind: K, name: string, expectedVersion: string | undefined): Stored<K> {
    const current = this.get(kind, name);
    if (!current) throw new PoseidonError('NotFound', `${kind} "${name}" not found`);
    if (expectedVersion !== undefined && expectedVersion !== current.metadata.resourceVersion) {
      throw new PoseidonError(
        'Conflict',
        `${kind} "${name}" was changed: resourceVersion is ${current.metadata.resourceVersion}, not ${expectedVersion}`,
      );
    }
    return current;
  }

  private assertIdFree(resource: ResourceByKind[ResourceKind], name: string): void {
    if (resource.kind !== 'ExecutionEnvironment') return;
    const owner = this.environmentIds.get(resource.spec.id);
    if (owner !== undefined && owner !== name) {
      throw new PoseidonError(
        'AlreadyExists',
        `environment id ${resource.spec.id} is already used by ExecutionEnvironment "${owner}"`,
      );
    }
  }

  private insert(object: AnyStored): void {
    this.tableOf(object.kind).set(object.metadata.name, object);
    if (object.kind === 'ExecutionEnvironment') this.environmentIds.set(object.spec.id, object.metadata.name);
  }

  private remove(kind: ResourceKind, name: string): void {
    const table = this.tableOf(kind);
    const existing = table.get(name);
    if (!existing) return;
    table.delete(name);
    if (existing.kind === 'ExecutionEnvironment' && this.environmentIds.get(existing.spec.id) === name) {
      this.environmentIds.delete(existing.spec.id);
    }
  }

  private tableOf(kind: ResourceKind): Map<string, AnyStored> {
    let table = this.tables.get(kind);
    if (!table) {
      assertKind(kind);
      table = new Map();
      this.tables.set(kind, table);
    }
    return table;
  }
}
