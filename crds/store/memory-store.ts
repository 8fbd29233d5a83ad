/**
 * An in-memory {@link ResourceStore}: the store's rules (shared with the file-backed store through
 * {@link ObjectTable}) without persistence. For tests and for wiring that needs no durability.
 */
import { randomUUID } from 'node:crypto';
import { PoseidonError } from '../errors';
import type { ResourceByKind, ResourceKind } from '../resources';
import { ObjectTable, type WriteOutcome } from './object-table';
import type { DeleteOptions, NewResource, ResourceStore, Stored, WatchEvent } from './store';
import { WatchHub, type ListenerErrorHandler } from './watch-hub';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Source of `creationTimestamp`s; defaults to the system clock. */
  clock?: () => Date;
  /** Source of `uid`s; defaults to random UUIDs. */
  uid?: () => string;
  /** Receives errors thrown by watch listeners; defaults to a process warning. */
  onListenerError?: ListenerErrorHandler;
}

/** {@link ResourceStore} held in memory. Every write commits synchronously and is seen by watchers before it returns. */
export class MemoryStore implements ResourceStore {
  private readonly table: ObjectTable;
  private readonly hub: WatchHub;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.table = new ObjectTable({ clock: options.clock ?? (() => new Date()), uid: options.uid ?? randomUUID });
    this.hub = new WatchHub(options.onListenerError);
  }

  async get<K extends ResourceKind>(kind: K, name: string): Promise<Stored<K> | undefined> {
    this.assertOpen();
    return this.table.get(kind, name);
  }

  async list<K extends ResourceKind>(kind: K): Promise<Stored<K>[]> {
    this.assertOpen();
    return this.table.list(kind);
  }

  async create<K extends ResourceKind>(kind: K, resource: NewResource<K>): Promise<Stored<K>> {
    this.assertOpen();
    return this.finish(this.table.create(kind, resource));
  }

  async update<K extends ResourceKind>(kind: K, resource: NewResource<K> | Stored<K>): Promise<Stored<K>> {
    this.assertOpen();
    return this.finish(this.table.update(kind, resource));
  }

  async updateStatus<K extends ResourceKind>(
    kind: K,
    name: string,
    resourceVersion: string,
    status: ResourceByKind[K]['status'],
  ): Promise<Stored<K>> {
    this.assertOpen();
    return this.finish(this.table.updateStatus(kind, name, resourceVersion, status));
  }

  async delete(kind: ResourceKind, name: string, options?: DeleteOptions): Promise<void> {
    this.assertOpen();
    this.finish(this.table.delete(kind, name, options));
  }

  watch(listener: (event: WatchEvent) => void): () => void {
    return this.hub.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.clear();
  }

  private finish<K extends ResourceKind>(outcome: WriteOutcome<K>): Stored<K> {
    if (!outcome.changed) return outcome.object;
    this.hub.emit(outcome.event as WatchEvent);
    return outcome.event.object;
  }

  private assertOpen(): void {
    if (this.closed) throw new PoseidonError('Internal', 'the store is closed');
  }
}
