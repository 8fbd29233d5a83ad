/**
 * What the REST + WebSocket facade needs from the rest of the service (declared here, by the consumer). The
 * composition root (controllers/main.ts) wires the controller's implementations in; tests can wire their own.
 */
import type { ExecPort, RunnerLossCause } from '../reconcilers/ports';
import type { MappedPort } from '../crds/runner';
import type { Condition } from '../crds/meta';
import type { ExecutionEnvironment } from '../crds/execution-environment';
import type { Stored } from '../crds/store/store';

/** An environment as the original API shows it (key order as Go emits it). */
export interface EnvironmentView {
  prewarmingPoolSize: number;
  cpuLimit: number;
  memoryLimit: number;
  image: string;
  networkAccess: boolean;
  exposedPorts: number[] | null;
  id: number;
}

/** The body of `PUT /execution-environments/{id}` after decoding and type checks (id from the path). */
export interface EnvironmentInput {
  id: number;
  image: string;
  prewarmingPoolSize: number;
  cpuLimit: number;
  memoryLimit: number;
  networkAccess: boolean;
  exposedPorts: number[];
}

/** Environments: the desired specs in the store. */
export interface EnvironmentsService {
  list(options?: { fetch?: boolean }): Promise<EnvironmentView[]>;
  get(id: number, options?: { fetch?: boolean }): Promise<EnvironmentView | undefined>;
  /** Stores the spec (the controller converges it). `created` when the id was new, `replaced` otherwise. */
  put(input: EnvironmentInput): Promise<'created' | 'replaced'>;
  /** Deletes the environment and everything of it. False when it did not exist. */
  delete(id: number): Promise<boolean>;
}

/** A claimed runner as the facade sees it. */
export interface ClaimedRunner {
  readonly id: string;
  readonly environmentId: number;
  readonly mappedPorts: readonly MappedPort[];
}

/** Claims, releases and the liveness of claimed runners. */
export interface RunnersService {
  /**
   * Claims an idle runner with one check-and-set write. Throws `EnvironmentNotFound` (404) or `NoRunnerAvailable`
   * (500 NOMAD_OVERLOAD) as `PoseidonError`s.
   */
  claim(environmentId: number, inactivityTimeoutSeconds: number): Promise<ClaimedRunner>;
  /** The claimed runner with this id, or undefined when unknown, idle, expired or destroyed (410). */
  get(runnerId: string): ClaimedRunner | undefined;
  /** Releases (destroys) a claimed runner. Throws `RunnerGone` when it is not claimed. */
  release(runnerId: string): Promise<void>;
  /** Records activity: restarts the runner's inactivity timer with its full duration. */
  touch(runnerId: string): void;
  /**
   * Calls `listener` once when the runner is destroyed for any reason (returns the unsubscribe function). If the
   * runner is already gone, calls it on the next tick with `released`.
   */
  onGone(runnerId: string, listener: (cause: RunnerLossCause) => void): () => void;
  /** Destroys a runner whose execution could not be stopped (the original's 3 s rule). */
  destroy(runnerId: string, cause: RunnerLossCause): Promise<void>;
}

/** Per-environment pool figures for `/statistics/execution-environments` and `/health`. */
export interface EnvironmentStatistics {
  id: number;
  prewarmingPoolSize: number;
  idleRunners: number;
  usedRunners: number;
}

/** Statistics and health data. */
export interface StatisticsService {
  statistics(): EnvironmentStatistics[];
}

/** A stored ExecutionEnvironment resource (spec, status, store-owned metadata). */
export type StoredEnvironmentResource = Stored<'ExecutionEnvironment'>;

/** One entry of an environment's recent events (newest last). */
export interface EnvironmentEvent {
  /** `Warning` for losses and failures, `Normal` otherwise. */
  readonly type: 'Normal' | 'Warning';
  /** A short CamelCase cause, e.g. `SpecChanged`, `PoolReady`, `RunnerLost`. */
  readonly reason: string;
  readonly message: string;
  /** RFC 3339 time of the first and the latest occurrence; `count` repeats were folded into this entry. */
  readonly firstTime: string;
  readonly lastTime: string;
  readonly count: number;
}

/** The live view of one environment: its status as stored, pool figures from the caches now, recent events. */
export interface EnvironmentStatusView {
  readonly name: string;
  readonly environmentId: number;
  readonly generation: number;
  readonly resourceVersion: string;
  readonly observedGeneration: number | undefined;
  readonly templateRevision: string | undefined;
  readonly conditions: readonly Condition[];
  /** Pool figures computed from the caches at the time of the request (the stored status may lag them). */
  readonly pool: { readonly desired: number; readonly idle: number; readonly used: number };
  /** The controller has seen this generation, reports `Ready`, and the pool holds `desired` idle runners. */
  readonly warm: boolean;
  readonly events: readonly EnvironmentEvent[];
}

/**
 * Whole ExecutionEnvironment resources for operators and GitOps (`/api/v1/resources/...`): the store's rules apply
 * (validation, `AlreadyExists` for a taken name or id, `Conflict` for a stale `metadata.resourceVersion`).
 */
export interface ResourcesService {
  list(): Promise<readonly StoredEnvironmentResource[]>;
  get(name: string): Promise<StoredEnvironmentResource | undefined>;
  create(resource: ExecutionEnvironment): Promise<StoredEnvironmentResource>;
  /** A check-and-set when `metadata.resourceVersion` is set, unconditional otherwise. Throws `NotFound`. */
  update(resource: ExecutionEnvironment): Promise<StoredEnvironmentResource>;
  /** Deletes and returns the last state; `NotFound`, or `Conflict` when `resourceVersion` is stale. */
  delete(name: string, resourceVersion?: string): Promise<StoredEnvironmentResource>;
  /** The live view, or undefined when no such resource exists. */
  status(name: string): Promise<EnvironmentStatusView | undefined>;
}

/** Everything the facade needs. */
export interface ApiServices {
  environments: EnvironmentsService;
  runners: RunnersService;
  statistics: StatisticsService;
  exec: ExecPort;
  /** The resource routes (`/api/v1/resources/...`); they are not mounted without it. */
  resources?: ResourcesService;
}
