/**
 * A whole reconciling world for tests: the FakeBackend, the real ObservedCache over it, a MemoryStore with a
 * DesiredState over it, the three reconcilers and the claim. `converge()` plays the controller runtime's part
 * deterministically: it reconciles every key until a round writes nothing.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { ObservedCache } from '../../../controllers/cache/observed-cache';
import type { ExecutionEnvironmentSpec } from '../../../crds/execution-environment';
import { API_GROUP_VERSION } from '../../../crds/meta';
import { MemoryStore } from '../../../crds/store/memory-store';
import type { StoredRunner } from '../../../reconcilers/desired-state';
import { EnvironmentReconciler } from '../../../reconcilers/environment/environment-reconciler';
import {
  environmentKey,
  environmentResourceName,
  parseRunnerId,
  parseTemplateJobId,
} from '../../../reconcilers/naming';
import { PoolReconciler } from '../../../reconcilers/pool/pool-reconciler';
import type { RunnerLossCause } from '../../../reconcilers/ports';
import type { ReconcileResult } from '../../../reconcilers/reconciler';
import { RunnerClaimer } from '../../../reconcilers/runner/claim';
import { RunnerReconciler } from '../../../reconcilers/runner/runner-reconciler';
import { FakeBackend } from '../../fakes/fake-backend';
import { eventually } from '../../support/eventually';
import { FakeClock } from '../../support/fake-clock';
import { StoreDesiredState } from './store-desired-state';

/** Options of a {@link ReconcilerWorld}. */
export interface WorldOptions {
  /** Most runner creations per pool reconcile. */
  maxCreationsPerReconcile?: number;
  depletionThreshold?: number;
}

/** The reconcilers and caches of one controller process (replaced by {@link ReconcilerWorld.restart}). */
interface Process {
  readonly observed: ObservedCache;
  readonly desired: StoreDesiredState;
  readonly environment: EnvironmentReconciler;
  readonly pool: PoolReconciler;
  readonly runner: RunnerReconciler;
  readonly claimer: RunnerClaimer;
  readonly registry: Registry;
  /** The last result of each reconciled key, by `controller/key`. */
  readonly results: Map<string, void | ReconcileResult>;
}

/** Backend + store + reconcilers, driven by the test. */
export class ReconcilerWorld {
  readonly clock = new FakeClock();
  readonly backend: FakeBackend;
  readonly store = new MemoryStore();
  /** Losses reported by the reconcilers, in order. */
  readonly losses: { runnerId: string; cause: RunnerLossCause }[] = [];
  /** Last activity per runner (the service's ActivityTracker). */
  readonly activity = new Map<string, number>();
  private storeWrites = 0;
  private uuids = 0;
  private current!: Process;

  private constructor(private readonly options: WorldOptions) {
    this.backend = new FakeBackend({ autoRun: true, clock: this.clock });
    this.store.watch(() => this.storeWrites++);
  }

  /** A started world with an empty store and backend. */
  static async start(options: WorldOptions = {}): Promise<ReconcilerWorld> {
    const world = new ReconcilerWorld(options);
    world.current = await world.startProcess();
    return world;
  }

  get process(): Process {
    return this.current;
  }

  /** Creates or replaces environment `id` (as the REST PUT does). */
  async putEnvironment(spec: Partial<ExecutionEnvironmentSpec> & { id: number }): Promise<void> {
    const full: ExecutionEnvironmentSpec = {
      image: 'openhpi/co_execenv_python:3.8',
      prewarmingPoolSize: 2,
      cpuLimit: 20,
      memoryLimit: 256,
      networkAccess: false,
      exposedPorts: [],
      ...spec,
    };
    const name = environmentResourceName(spec.id);
    const existing = await this.store.get('ExecutionEnvironment', name);
    const resource = { apiVersion: API_GROUP_VERSION, kind: 'ExecutionEnvironment' as const, spec: full };
    if (existing) await this.store.update('ExecutionEnvironment', { ...resource, metadata: existing.metadata });
    else await this.store.create('ExecutionEnvironment', { ...resource, metadata: { name } });
  }

  /** Deletes environment `id`. */
  async deleteEnvironment(id: number): Promise<void> {
    await this.store.delete('ExecutionEnvironment', environmentResourceName(id));
  }

  /** Claims a runner through the claim path. */
  claim(environmentId: number, inactivityTimeout = 0): Promise<StoredRunner> {
    return this.current.claimer.claimRunner({ environmentId, inactivityTimeout, now: this.clock.now() });
  }

  /** Releases a runner (as the API does: deletes its resource). */
  async release(runnerId: string): Promise<void> {
    await this.store.delete('Runner', runnerId);
  }

  /** Runner resources of an environment. */
  async runners(environmentId: number): Promise<StoredRunner[]> {
    return (await this.store.list('Runner')).filter((r) => r.spec.environmentId === environmentId);
  }

  /** Names of claimed and idle runner resources of an environment. */
  async split(environmentId: number): Promise<{ claimed: string[]; idle: string[] }> {
    const runners = await this.runners(environmentId);
    const names = (claimed: boolean) =>
      runners
        .filter((r) => (r.spec.claim !== undefined) === claimed)
        .map((r) => r.metadata.name)
        .sort();
    return { claimed: names(true), idle: names(false) };
  }

  /** Runner job ids of an environment in the backend. */
  runnerJobs(environmentId: number): string[] {
    return this.backend.jobIds().filter((id) => parseRunnerId(id) === environmentId);
  }

  /**
   * Reconciles every key (environments and pools, then runners) until a round writes nothing to the store or the
   * backend, waiting for the cache to catch up before each round. Returns the number of rounds.
   */
  async converge(maxRounds = 40): Promise<number> {
    for (let round = 1; round <= maxRounds; round++) {
      await this.caughtUp();
      const writes = this.storeWrites;
      const index = this.backend.index;
      await this.reconcileAll();
      await this.backend.settled();
      if (writes === this.storeWrites && index === this.backend.index) return round;
    }
    throw new Error(`the world did not converge within ${maxRounds} rounds`);
  }

  /** Waits until the observed cache has applied everything the backend wrote. */
  async caughtUp(): Promise<void> {
    await this.backend.settled();
    await eventually(() => this.current.observed.currentIndex >= this.backend.index, { message: 'cache caught up' });
  }

  /** Replaces the controller process (caches, reconcilers, in-memory bookkeeping) over the same store and backend. */
  async restart(): Promise<void> {
    await this.stopProcess(this.current);
    this.activity.clear();
    this.current = await this.startProcess();
  }

  /** Stops everything the world started. */
  async close(): Promise<void> {
    await this.stopProcess(this.current);
    await this.backend.stop();
    await this.store.close();
  }

  private async reconcileAll(): Promise<void> {
    const { desired, observed, environment, pool, runner, results } = this.current;
    const environmentIds = new Set(desired.environments().map((e) => e.spec.id));
    for (const job of observed.jobsWithPrefix('')) {
      const id = parseTemplateJobId(job.id) ?? parseRunnerId(job.id);
      if (id !== undefined) environmentIds.add(id);
    }
    for (const r of desired.runners()) environmentIds.add(r.spec.environmentId);
    for (const id of [...environmentIds].sort((a, b) => a - b)) {
      const key = environmentKey(id);
      results.set(`environment/${key}`, await environment.reconcile(key));
      results.set(`pool/${key}`, await pool.reconcile(key));
    }
    const runnerIds = new Set(desired.runners().map((r) => r.metadata.name));
    for (const job of observed.jobsWithPrefix('')) if (parseTemplateJobId(job.id) === undefined) runnerIds.add(job.id);
    for (const id of [...runnerIds].sort()) results.set(`runner/${id}`, await runner.reconcile(id));
  }

  private async startProcess(): Promise<Process> {
    const logger = pino({ level: process.env.DBG ? 'debug' : 'silent' });
    const registry = new Registry();
    const observed = new ObservedCache({
      jobs: this.backend,
      feed: this.backend,
      clock: this.clock,
      logger,
      relistIntervalMs: 0,
    });
    observed.start();
    await observed.whenSynced();
    const desired = await StoreDesiredState.open(this.store);
    const newId = () => `00000000-0000-4000-9000-${(++this.uuids).toString(16).padStart(12, '0')}`;
    const base = {
      store: this.store,
      desired,
      observed,
      jobs: this.backend,
      clock: this.clock,
      newId,
      logger,
      registry,
    };
    // Like the service's loss bus: the first report of a runner wins, repeats answer false (and are not recorded).
    const losses = {
      runnerLost: (runnerId: string, cause: RunnerLossCause): boolean => {
        if (this.losses.some((loss) => loss.runnerId === runnerId)) return false;
        this.losses.push({ runnerId, cause });
        return true;
      },
    };
    const activity = { lastActivity: (id: string) => this.activity.get(id) };
    const { maxCreationsPerReconcile, depletionThreshold } = this.options;
    return {
      observed,
      desired,
      registry,
      results: new Map(),
      environment: new EnvironmentReconciler({ ...base, options: { depletionThreshold } }),
      pool: new PoolReconciler({ ...base, losses, options: { maxCreationsPerReconcile } }),
      runner: new RunnerReconciler({ ...base, losses, activity }),
      claimer: new RunnerClaimer({ store: this.store, desired, observed, registry, random: () => 0.5 }),
    };
  }

  private async stopProcess(process: Process): Promise<void> {
    await process.observed.stop();
    process.desired.close();
  }
}
