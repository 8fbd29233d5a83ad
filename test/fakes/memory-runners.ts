/**
 * In-memory RunnersService and StatisticsService for API tests. Each environment has an idle pool of
 * `prewarmingPoolSize` runners that refills `refillDelayMs` after every claim; claims take an idle runner (404 for an
 * unknown environment, NOMAD_OVERLOAD when none is idle); claimed runners expire after their inactivity timeout
 * unless touched; replacing or deleting the environment destroys its runners (`deregistered`). Losses are delivered
 * once per runner to `onGone` listeners and to `onDestroyed` (wire it to LocalExec.removeRunner).
 */
import { randomUUID } from 'node:crypto';
import type { ClaimedRunner, EnvironmentStatistics, RunnersService, StatisticsService } from '../../api/ports';
import { systemClock, type RuntimeClock, type TimerHandle } from '../../controllers/runtime/timers';
import { PoseidonError } from '../../crds/errors';
import type { RunnerLossCause } from '../../reconcilers/ports';
import type { MemoryEnvironments } from './memory-environments';

/** Options of {@link MemoryRunners}. */
export interface MemoryRunnersOptions {
  readonly clock?: RuntimeClock;
  readonly newId?: () => string;
  /** Delay before a claimed idle runner is replaced (default 0). */
  readonly refillDelayMs?: number;
  /** Called after a runner was destroyed. */
  readonly onDestroyed?: (runnerId: string, cause: RunnerLossCause) => void | Promise<void>;
}

interface Claimed {
  readonly runner: ClaimedRunner;
  readonly timeoutMs: number;
  timer: TimerHandle | undefined;
}

/** Stateful runners over {@link MemoryEnvironments}. */
export class MemoryRunners implements RunnersService, StatisticsService {
  private readonly clock: RuntimeClock;
  private readonly claimed = new Map<string, Claimed>();
  private readonly idle = new Map<number, number>();
  private readonly gone = new Map<string, RunnerLossCause>();
  private readonly listeners = new Map<string, Set<(cause: RunnerLossCause) => void>>();
  private readonly refills = new Set<TimerHandle>();

  constructor(
    private readonly environments: MemoryEnvironments,
    private readonly options: MemoryRunnersOptions = {},
  ) {
    this.clock = options.clock ?? systemClock();
    environments.onChange((id, change) => this.environmentChanged(id, change));
  }

  async claim(environmentId: number, inactivityTimeoutSeconds: number): Promise<ClaimedRunner> {
    const environment = this.environments.find(environmentId);
    if (!environment) throw new PoseidonError('EnvironmentNotFound', 'execution environment not found');
    const idle = this.idle.get(environmentId) ?? 0;
    if (idle === 0) throw new PoseidonError('NoRunnerAvailable', 'no runners available for this execution environment');
    this.idle.set(environmentId, idle - 1);
    this.scheduleRefill(environmentId);
    const mappedPorts = (environment.exposedPorts ?? []).map((port, i) => ({
      exposedPort: port,
      hostAddress: `127.0.0.1:${40000 + i}`,
    }));
    const runner: ClaimedRunner = {
      id: `${environmentId}-${(this.options.newId ?? randomUUID)()}`,
      environmentId,
      mappedPorts,
    };
    const claimed: Claimed = { runner, timeoutMs: inactivityTimeoutSeconds * 1000, timer: undefined };
    this.claimed.set(runner.id, claimed);
    this.arm(claimed);
    return runner;
  }

  get(runnerId: string): ClaimedRunner | undefined {
    return this.claimed.get(runnerId)?.runner;
  }

  async release(runnerId: string): Promise<void> {
    await this.destroy(runnerId, 'released');
  }

  touch(runnerId: string): void {
    const claimed = this.claimed.get(runnerId);
    if (claimed) this.arm(claimed);
  }

  onGone(runnerId: string, listener: (cause: RunnerLossCause) => void): () => void {
    if (!this.claimed.has(runnerId)) {
      const immediate = setImmediate(() => listener(this.gone.get(runnerId) ?? 'released'));
      return () => clearImmediate(immediate);
    }
    let set = this.listeners.get(runnerId);
    if (!set) this.listeners.set(runnerId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  async destroy(runnerId: string, cause: RunnerLossCause): Promise<void> {
    const claimed = this.claimed.get(runnerId);
    if (!claimed) throw new PoseidonError('RunnerGone', 'no runner found with this id');
    this.claimed.delete(runnerId);
    if (claimed.timer !== undefined) this.clock.clearTimeout(claimed.timer);
    this.gone.set(runnerId, cause);
    const listeners = this.listeners.get(runnerId);
    this.listeners.delete(runnerId);
    for (const listener of listeners ?? []) listener(cause);
    await this.options.onDestroyed?.(runnerId, cause);
  }

  statistics(): EnvironmentStatistics[] {
    return this.environments.all().map((environment) => ({
      id: environment.id,
      prewarmingPoolSize: environment.prewarmingPoolSize,
      idleRunners: this.idle.get(environment.id) ?? 0,
      usedRunners: [...this.claimed.values()].filter((c) => c.runner.environmentId === environment.id).length,
    }));
  }

  /** Sets the idle count of an environment (to simulate a depleted or recovering pool). */
  setIdle(environmentId: number, count: number): void {
    this.idle.set(environmentId, count);
  }

  /** Destroys every claimed runner and cancels timers. */
  async close(): Promise<void> {
    for (const handle of this.refills) this.clock.clearTimeout(handle);
    this.refills.clear();
    await Promise.all([...this.claimed.keys()].map((id) => this.destroy(id, 'released')));
  }

  private arm(claimed: Claimed): void {
    if (claimed.timer !== undefined) this.clock.clearTimeout(claimed.timer);
    claimed.timer = undefined;
    if (claimed.timeoutMs === 0) return;
    claimed.timer = this.clock.setTimeout(() => {
      this.destroy(claimed.runner.id, 'inactivityTimeout').catch(() => undefined);
    }, claimed.timeoutMs);
  }

  private scheduleRefill(environmentId: number): void {
    const handle = this.clock.setTimeout(() => {
      this.refills.delete(handle);
      const environment = this.environments.find(environmentId);
      if (!environment) return;
      this.idle.set(environmentId, Math.min(environment.prewarmingPoolSize, (this.idle.get(environmentId) ?? 0) + 1));
    }, this.options.refillDelayMs ?? 0);
    this.refills.add(handle);
  }

  private environmentChanged(id: number, change: 'created' | 'replaced' | 'deleted'): void {
    if (change !== 'created') {
      for (const claimed of [...this.claimed.values()]) {
        if (claimed.runner.environmentId === id) this.destroy(claimed.runner.id, 'deregistered').catch(() => undefined);
      }
    }
    if (change === 'deleted') this.idle.delete(id);
    else this.idle.set(id, this.environments.find(id)?.prewarmingPoolSize ?? 0);
  }
}
