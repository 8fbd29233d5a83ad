/**
 * Writes in flight until the caches show them ("expectations", as a ReplicaSet keeps them): a reconciler records what
 * it wrote, and until its cache reflects the write it counts the write as done instead of repeating it. Entries
 * expire so that a lost event can never wedge a key. In memory on purpose: after a restart the cache is the truth.
 */

/** One pending item with its expiry. */
interface Entry {
  readonly expiresAt: number;
}

/** What {@link Expectations.pending} found. */
export interface PendingItems {
  /** Items written but not yet observed, and not expired. */
  readonly items: readonly string[];
  /** Items that expired unobserved in this call (for logs). */
  readonly expired: readonly string[];
  /** When the earliest pending item expires (epoch ms), if any. */
  readonly nextExpiry: number | undefined;
}

/** Pending writes per scope (a key such as an environment id), each item expiring `ttlMs` after it was recorded. */
export class Expectations {
  private readonly scopes = new Map<string, Map<string, Entry>>();

  /** @param ttlMs how long a write may stay unobserved before it no longer counts. */
  constructor(private readonly ttlMs: number) {}

  /** Records that `item` was written in `scope` at `now`. */
  expect(scope: string, item: string, now: number): void {
    let entries = this.scopes.get(scope);
    if (!entries) {
      entries = new Map();
      this.scopes.set(scope, entries);
    }
    entries.set(item, { expiresAt: now + this.ttlMs });
  }

  /**
   * The items of `scope` still pending at `now`: drops the ones `observed` says the cache shows, and the expired
   * ones.
   */
  pending(scope: string, now: number, observed: (item: string) => boolean): PendingItems {
    const entries = this.scopes.get(scope);
    if (!entries) return { items: [], expired: [], nextExpiry: undefined };
    const items: string[] = [];
    const expired: string[] = [];
    let nextExpiry: number | undefined;
    for (const [item, entry] of entries) {
      if (observed(item)) {
        entries.delete(item);
      } else if (entry.expiresAt <= now) {
        entries.delete(item);
        expired.push(item);
      } else {
        items.push(item);
        nextExpiry = nextExpiry === undefined ? entry.expiresAt : Math.min(nextExpiry, entry.expiresAt);
      }
    }
    if (entries.size === 0) this.scopes.delete(scope);
    return { items, expired, nextExpiry };
  }

  /** Forgets everything of `scope`. */
  forget(scope: string): void {
    this.scopes.delete(scope);
  }

  /** Number of scopes with pending items (for leak checks). */
  get size(): number {
    return this.scopes.size;
  }
}
