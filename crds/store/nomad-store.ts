/**
 * The declarative store on Nomad Variables, for clusters: every resource is one variable
 * (`<prefix>/environments/<name>`, `<prefix>/runners/<name>`) holding its JSON; the variable's ModifyIndex is the
 * resource's `resourceVersion`, and every write is a check-and-set with `cas` (create: `cas=0`), so a stale write
 * fails with `Conflict` and nothing is lost. The store keeps a cache of every resource (loaded on open, kept current
 * by its own writes and by a blocking query on the variable list, which also surfaces other controllers' writes to
 * watchers). Why runners live in variables rather than in their jobs: controllers/backends/nomad/README.md.
 *
 * Limits: a resource must fit Nomad's 64 KiB per variable; the unique environment id is checked against the cache
 * (Nomad has no multi-variable transaction), so two controllers creating the same id at the same instant can both
 * succeed: run one writer, as the controller's design does.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PoseidonError } from '../errors';
import { isResourceKind } from '../kinds';
import type { ObjectMeta } from '../meta';
import type { ResourceByKind, ResourceKind } from '../resources';
import { validateKind } from '../validation';
import { copyDefined, deepFreeze, sameData } from './plain-data';
import type { DeleteOptions, NewResource, ResourceStore, Stored, WatchEvent } from './store';
import { readSeed, writeSeed, type SeedEntry } from './variables-seed';
import { WatchHub, type ListenerErrorHandler } from './watch-hub';
import { assertKind, nameOf, ownedMeta, validated } from './resource-input';

/** The Nomad Variables calls the store needs (the Nomad adapter's API client has them). */
export interface NomadVariablesPort {
  listVariables(
    prefix: string,
    options?: { index?: number; waitMs?: number; signal?: AbortSignal },
  ): Promise<{ items: readonly { Path: string; ModifyIndex: number }[]; index: number }>;
  readVariable(path: string): Promise<{ Path: string; Items: Record<string, string>; ModifyIndex: number } | undefined>;
  /** Rejects with `Conflict` (details.current = Nomad's current variable) when `cas` does not match. */
  writeVariable(path: string, items: Record<string, string>, cas?: number): Promise<{ ModifyIndex: number }>;
  /** Answers the index of the delete. */
  deleteVariable(path: string, cas?: number): Promise<number>;
}

/** Options of {@link NomadStore.open}. */
export interface NomadStoreOptions {
  readonly variables: NomadVariablesPort;
  /** Variable path prefix. Default `poseidon`. */
  readonly prefix?: string;
  readonly clock?: () => Date;
  readonly uid?: () => string;
  /** Longest wait of one blocking list query. Default 60 000 ms. */
  readonly watchWaitMs?: number;
  readonly onListenerError?: ListenerErrorHandler;
  /** Called with errors of the background watch (it retries every second). */
  readonly onWatchError?: (error: unknown) => void;
  /**
   * A local file remembering the variables (see variables-seed.ts): read on open so only variables whose
   * ModifyIndex changed are read from Nomad, written after open and on close. Default: none (every variable is read).
   */
  readonly seedFile?: string;
}

type AnyStored = Stored<ResourceKind>;
interface Entry {
  readonly object: AnyStored;
  readonly index: number;
}

const FOLDERS: Record<ResourceKind, string> = { ExecutionEnvironment: 'environments', Runner: 'runners' };
const ITEM = 'resource';
/** Variable reads in flight while loading (Nomad allows 100 connections per client IP by default). */
const READ_CONCURRENCY = 32;
/** Attempts of a write without a resourceVersion precondition that keeps meeting concurrent writers. */
const WRITE_ATTEMPTS = 5;

/** {@link ResourceStore} on Nomad Variables. */
export class NomadStore implements ResourceStore {
  private readonly cache = new Map<string, Entry>();
  private readonly hub: WatchHub;
  private readonly watcher = new AbortController();
  private watchDone: Promise<void> = Promise.resolve();
  private seedSaved: Promise<void> = Promise.resolve();

  private constructor(
    private readonly variables: NomadVariablesPort,
    private readonly prefix: string,
    private readonly options: NomadStoreOptions,
  ) {
    this.hub = new WatchHub(options.onListenerError);
  }

  /** Loads every resource under the prefix and starts watching for other writers. */
  static async open(options: NomadStoreOptions): Promise<NomadStore> {
    const store = new NomadStore(options.variables, options.prefix ?? 'poseidon', options);
    if (options.seedFile) store.seed(await readSeed(options.seedFile, store.prefix));
    const index = await store.sync(0);
    store.seedSaved = store.saveSeed();
    store.watchDone = store.watch$(index);
    return store;
  }

  async get<K extends ResourceKind>(kind: K, name: string): Promise<Stored<K> | undefined> {
    return this.cache.get(this.pathOf(kind, name))?.object as Stored<K> | undefined;
  }

  async list<K extends ResourceKind>(kind: K): Promise<Stored<K>[]> {
    assertKind(kind);
    const objects = [...this.cache.values()].map((e) => e.object).filter((o) => o.kind === kind) as Stored<K>[];
    return objects.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  }

  async create<K extends ResourceKind>(kind: K, input: NewResource<K>): Promise<Stored<K>> {
    const name = nameOf(kind, input);
    if (this.cache.has(this.pathOf(kind, name)))
      throw new PoseidonError('AlreadyExists', `${kind} "${name}" already exists`);
    const valid = validated(kind, { ...copyDefined(input), metadata: ownedMeta(input.metadata) });
    this.assertIdFree(valid, name);
    const clock = this.options.clock ?? (() => new Date());
    const metadata = {
      ...valid.metadata,
      generation: 1,
      creationTimestamp: clock().toISOString(),
      uid: (this.options.uid ?? randomUUID)(),
    };
    return this.write(kind, { ...valid, metadata }, 0, 'added');
  }

  async update<K extends ResourceKind>(kind: K, input: NewResource<K> | Stored<K>): Promise<Stored<K>> {
    const name = nameOf(kind, input);
    // Without a resourceVersion the caller asked for no check-and-set: a concurrent writer (a status update) is
    // not a conflict, so the write is retried on the fresh state.
    if (input.metadata.resourceVersion !== undefined) return this.updateOnce(kind, name, input);
    return this.retryingConflicts(kind, name, () => this.updateOnce(kind, name, input));
  }

  private async updateOnce<K extends ResourceKind>(
    kind: K,
    name: string,
    input: NewResource<K> | Stored<K>,
  ): Promise<Stored<K>> {
    const current = await this.current(kind, name, input.metadata.resourceVersion);
    const candidate: Record<string, unknown> = { ...copyDefined(input), metadata: ownedMeta(input.metadata) };
    delete candidate.status;
    if (current.object.status !== undefined) candidate.status = current.object.status;
    const valid = validated(kind, candidate);
    const old = current.object as ResourceByKind[K];
    const specChanged = !sameData(valid.spec, old.spec) || !sameData(valid.metadata.labels, old.metadata.labels);
    if (!specChanged && sameData(valid.metadata.annotations, old.metadata.annotations))
      return current.object as Stored<K>;
    this.assertIdFree(valid, name);
    const generation = (old.metadata.generation ?? 0) + (specChanged ? 1 : 0);
    const metadata: ObjectMeta = { ...old.metadata, ...valid.metadata, generation };
    if (valid.metadata.labels === undefined) delete metadata.labels;
    if (valid.metadata.annotations === undefined) delete metadata.annotations;
    return this.write(kind, { ...valid, metadata }, current.index, 'modified');
  }

  async updateStatus<K extends ResourceKind>(
    kind: K,
    name: string,
    resourceVersion: string,
    status: ResourceByKind[K]['status'],
  ): Promise<Stored<K>> {
    assertKind(kind);
    const current = await this.current(kind, name, resourceVersion);
    const candidate: Record<string, unknown> = { ...copyDefined(current.object), status: copyDefined(status) };
    if (status === undefined) delete candidate.status;
    const valid = validated(kind, candidate);
    if (sameData(valid.status, current.object.status)) return current.object as Stored<K>;
    return this.write(kind, valid, current.index, 'modified');
  }

  async delete(kind: ResourceKind, name: string, options: DeleteOptions = {}): Promise<void> {
    assertKind(kind);
    if (options.resourceVersion !== undefined) return this.deleteOnce(kind, name, options.resourceVersion);
    return this.retryingConflicts(kind, name, () => this.deleteOnce(kind, name, undefined));
  }

  private async deleteOnce(kind: ResourceKind, name: string, resourceVersion: string | undefined): Promise<void> {
    const path = this.pathOf(kind, name);
    const current = await this.current(kind, name, resourceVersion);
    let index: number;
    try {
      index = await this.variables.deleteVariable(path, current.index);
    } catch (error) {
      throw this.afterConflict(error, kind, name);
    }
    this.forget(path, index);
  }

  /** Runs `write` again (on the refreshed cache) while it fails with `Conflict`, at most {@link WRITE_ATTEMPTS} times. */
  private async retryingConflicts<T>(kind: ResourceKind, name: string, write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if ((error as PoseidonError)?.code !== 'Conflict' || attempt >= WRITE_ATTEMPTS) throw error;
        await this.refresh(this.pathOf(kind, name));
      }
    }
  }

  watch(listener: (event: WatchEvent) => void): () => void {
    return this.hub.add(listener);
  }

  async close(): Promise<void> {
    this.watcher.abort();
    await this.watchDone;
    this.hub.clear();
    await this.seedSaved;
    this.seedSaved = this.saveSeed();
    await this.seedSaved;
  }

  /** Writes with check-and-set `cas` and records the result; a failed `cas` becomes `Conflict`/`AlreadyExists`. */
  private async write<K extends ResourceKind>(
    kind: K,
    object: ResourceByKind[K],
    cas: number,
    type: 'added' | 'modified',
  ): Promise<Stored<K>> {
    const name = object.metadata.name;
    const { resourceVersion: _dropped, ...metadata } = object.metadata;
    const body = JSON.stringify({ ...object, metadata });
    let written: { ModifyIndex: number };
    try {
      written = await this.variables.writeVariable(this.pathOf(kind, name), { [ITEM]: body }, cas);
    } catch (error) {
      const failure = this.afterConflict(error, kind, name);
      if (cas === 0 && failure.code === 'Conflict')
        throw new PoseidonError('AlreadyExists', `${kind} "${name}" already exists`);
      throw failure;
    }
    const stored = deepFreeze({
      ...object,
      metadata: { ...metadata, resourceVersion: String(written.ModifyIndex) },
    }) as Stored<K>;
    this.remember(this.pathOf(kind, name), stored, written.ModifyIndex, type);
    return stored;
  }

  /** The cached entry, checked against `expected` (refreshed from Nomad once when they differ). */
  private async current(kind: ResourceKind, name: string, expected: string | undefined): Promise<Entry> {
    const path = this.pathOf(kind, name);
    let entry = this.cache.get(path);
    if (!entry || (expected !== undefined && expected !== entry.object.metadata.resourceVersion)) {
      await this.refresh(path);
      entry = this.cache.get(path);
    }
    if (!entry) throw new PoseidonError('NotFound', `${kind} "${name}" not found`);
    const actual = entry.object.metadata.resourceVersion;
    if (expected !== undefined && expected !== actual) {
      throw new PoseidonError(
        'Conflict',
        `${kind} "${name}" was changed: resourceVersion is ${actual}, not ${expected}`,
      );
    }
    return entry;
  }

  /** After a failed write: learn Nomad's current state (the conflict body carries it) and say why it failed. */
  private afterConflict(error: unknown, kind: ResourceKind, name: string): PoseidonError {
    const failure = error as PoseidonError;
    if (failure?.code !== 'Conflict') return failure;
    void this.refresh(this.pathOf(kind, name)).catch(() => undefined);
    return new PoseidonError('Conflict', `${kind} "${name}" was changed by another writer`, { cause: error });
  }

  private async refresh(path: string): Promise<void> {
    const variable = await this.variables.readVariable(path);
    if (!variable) return this.forget(path, 0);
    const object = decode(variable.Items[ITEM], variable.ModifyIndex);
    if (object) this.remember(path, object, variable.ModifyIndex, this.cache.has(path) ? 'modified' : 'added');
  }

  private remember(path: string, object: AnyStored, index: number, type: 'added' | 'modified'): void {
    const known = this.cache.get(path);
    if (known && known.index >= index) return;
    this.cache.set(path, { object, index });
    this.hub.emit({ type: known ? 'modified' : type, kind: object.kind, name: object.metadata.name, object });
  }

  private forget(path: string, index: number): void {
    const known = this.cache.get(path);
    if (!known) return;
    this.cache.delete(path);
    const version = index > 0 ? String(index) : known.object.metadata.resourceVersion;
    const object = deepFreeze({
      ...known.object,
      metadata: { ...known.object.metadata, resourceVersion: version },
    }) as AnyStored;
    this.hub.emit({ type: 'deleted', kind: object.kind, name: object.metadata.name, object });
  }

  /** Fills the cache from a seed (before the first sync, so nobody is watching yet); undecodable entries are skipped. */
  private seed(entries: readonly SeedEntry[]): void {
    for (const entry of entries) {
      const object = decode(entry.text, entry.index);
      if (object && entry.path.startsWith(`${this.prefix}/`))
        this.cache.set(entry.path, { object, index: entry.index });
    }
  }

  /** Writes the cache to the seed file, if there is one; a failure only costs reads at the next start. */
  private async saveSeed(): Promise<void> {
    const file = this.options.seedFile;
    if (!file) return;
    const entries = [...this.cache].map(([path, entry]) => ({
      path,
      index: entry.index,
      text: JSON.stringify(entry.object),
    }));
    await writeSeed(file, this.prefix, entries).catch((error: unknown) => this.options.onWatchError?.(error));
  }

  /** Applies the variable list at `since`: reads what changed, forgets what is gone. Answers the list's index. */
  private async sync(since: number, signal?: AbortSignal): Promise<number> {
    const { items, index } = await this.variables.listVariables(`${this.prefix}/`, {
      ...(since > 0 ? { index: since, waitMs: this.options.watchWaitMs ?? 60_000 } : {}),
      signal,
    });
    const listed = new Map(items.map((item) => [item.Path, item.ModifyIndex]));
    for (const [path, entry] of [...this.cache]) {
      if (!listed.has(path) && (since === 0 || entry.index <= index)) this.forget(path, index);
    }
    // Any other index than the known one means a change (a seed from another cluster may even hold higher ones).
    const changed = items.filter((item) => (this.cache.get(item.Path)?.index ?? 0) !== item.ModifyIndex);
    // At open only seeded entries can be here: drop the ones that differ, so a lower index from Nomad still wins.
    if (since === 0) for (const item of changed) this.cache.delete(item.Path);
    // Nomad lists variables without their Items: each changed one is read, READ_CONCURRENCY at a time.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < changed.length) {
        const item = changed[next++];
        if (item) await this.refresh(item.Path);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, changed.length) }, worker));
    return index;
  }

  private async watch$(from: number): Promise<void> {
    let index = from;
    while (!this.watcher.signal.aborted) {
      try {
        // Index 0 would not block (a fresh cluster without variables): wait for anything past 1 instead.
        const next = await this.sync(Math.max(index, 1), this.watcher.signal);
        // An index that went backwards means a restored or wiped server: take the next answer as a fresh start.
        index = next < index ? 0 : next;
      } catch (error) {
        if (this.watcher.signal.aborted) return;
        this.options.onWatchError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  }

  private pathOf(kind: ResourceKind, name: string): string {
    assertKind(kind);
    const base = `${this.prefix}/${FOLDERS[kind]}/`;
    const encoded = name.replace(/\./g, '~');
    if (base.length + encoded.length <= 128 && /^[a-zA-Z0-9\-_~]+$/.test(encoded)) return base + encoded;
    return `${base}h~${createHash('sha256').update(name).digest('hex').slice(0, 40)}`;
  }

  private assertIdFree(resource: ResourceByKind[ResourceKind], name: string): void {
    if (resource.kind !== 'ExecutionEnvironment') return;
    for (const { object } of this.cache.values()) {
      if (
        object.kind === 'ExecutionEnvironment' &&
        object.spec.id === resource.spec.id &&
        object.metadata.name !== name
      ) {
        throw new PoseidonError(
          'AlreadyExists',
          `environment id ${resource.spec.id} is already used by ExecutionEnvironment "${object.metadata.name}"`,
        );
      }
    }
  }
}

function decode(text: string | undefined, index: number): AnyStored | undefined {
  try {
    const parsed = JSON.parse(text ?? '') as { kind?: unknown; metadata?: object };
    if (!isResourceKind(parsed.kind)) return undefined;
    const result = validateKind(parsed.kind, {
      ...parsed,
      metadata: { ...parsed.metadata, resourceVersion: String(index) },
    });
    return result.ok ? (deepFreeze(result.value) as AnyStored) : undefined;
  } catch {
    return undefined;
  }
}
