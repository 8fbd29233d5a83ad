/**
 * Executions registered by `POST /runners/{id}/execute`, waiting for their WebSocket: in memory, per runner, under
 * single-use ids (a successful attach takes the entry). They are dropped when their runner goes away, and a runner
 * keeps at most {@link MAX_STORED_PER_RUNNER} of them (the oldest go first), so a client that never attaches cannot
 * grow memory without bound.
 */
import type { RunnersService } from '../ports';
import type { ExecutionBody } from '../decode/request-bodies';

/** Stored executions a runner may have before the oldest are dropped. */
export const MAX_STORED_PER_RUNNER = 1000;

interface RunnerEntries {
  readonly executions: Map<string, ExecutionBody>;
  readonly unsubscribe: () => void;
}

/** The store of not-yet-attached executions. */
export class StoredExecutions {
  private readonly byRunner = new Map<string, RunnerEntries>();

  constructor(
    private readonly runners: Pick<RunnersService, 'onGone'>,
    private readonly newId: () => string,
  ) {}

  /** Stores `execution` for `runnerId` and returns its new id. */
  add(runnerId: string, execution: ExecutionBody): string {
    const entries = this.entriesOf(runnerId);
    const id = this.newId();
    entries.executions.set(id, execution);
    if (entries.executions.size > MAX_STORED_PER_RUNNER) {
      const oldest = entries.executions.keys().next().value;
      if (oldest !== undefined) entries.executions.delete(oldest);
    }
    return id;
  }

  /** True when `id` is stored for `runnerId`. */
  has(runnerId: string, id: string): boolean {
    return this.byRunner.get(runnerId)?.executions.has(id) ?? false;
  }

  /** Removes and returns the execution (single use), or undefined when unknown or already taken. */
  take(runnerId: string, id: string): ExecutionBody | undefined {
    const entries = this.byRunner.get(runnerId);
    const execution = entries?.executions.get(id);
    if (!entries || !execution) return undefined;
    entries.executions.delete(id);
    if (entries.executions.size === 0) this.drop(runnerId);
    return execution;
  }

  /** Number of stored executions (all runners). */
  get size(): number {
    let total = 0;
    for (const entries of this.byRunner.values()) total += entries.executions.size;
    return total;
  }

  /** Forgets everything (server shutdown). */
  clear(): void {
    for (const runnerId of [...this.byRunner.keys()]) this.drop(runnerId);
  }

  private entriesOf(runnerId: string): RunnerEntries {
    const known = this.byRunner.get(runnerId);
    if (known) return known;
    const entries: RunnerEntries = {
      executions: new Map(),
      unsubscribe: this.runners.onGone(runnerId, () => this.drop(runnerId)),
    };
    this.byRunner.set(runnerId, entries);
    return entries;
  }

  private drop(runnerId: string): void {
    const entries = this.byRunner.get(runnerId);
    if (!entries) return;
    this.byRunner.delete(runnerId);
    entries.unsubscribe();
  }
}
