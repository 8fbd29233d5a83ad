/**
 * Sources feed controllers: they watch something (a cache's changes, a timer) and map each observation to keys that
 * they enqueue. They never pass events into reconcile. Caches are sources that also report when their first full
 * list is loaded.
 */

/** Something the Manager starts before the controllers and stops after them. */
export interface Source {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/** A source with an initial list (a cache): the Manager waits for it before starting workers. */
export interface SyncedSource extends Source {
  /** True once the first full list is loaded. */
  readonly synced: boolean;
  /** Resolves once the first full list is loaded. */
  whenSynced(): Promise<void>;
}

/** True when `source` reports its sync state. */
export function isSyncedSource(source: Source): source is SyncedSource {
  return typeof (source as Partial<SyncedSource>).whenSynced === 'function';
}

/**
 * A source that subscribes to a change feed while running and hands each change to `map`, which enqueues keys.
 * `subscribe` returns the unsubscribe function (the shape of the caches' `onChange`).
 */
export function changeSource<E>(
  name: string,
  subscribe: (listener: (change: E) => void) => () => void,
  map: (change: E) => void,
): Source {
  let unsubscribe: (() => void) | undefined;
  return {
    name,
    start() {
      unsubscribe ??= subscribe(map);
    },
    stop() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
