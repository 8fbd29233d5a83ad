/**
 * What the REST + WebSocket facade needs from the rest of the service (declared here, by the consumer). The
 * composition root (controllers/main.ts) wires the controller's implementations in; tests can wire their own.
 */
import type { ExecPort, RunnerLossCause } from '../reconcilers/ports';
import type { MappedPort } from '../crds/runner';

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

/** Everything the facade needs. */
export interface ApiServices {
  environments: EnvironmentsService;
  runners: RunnersService;
  statistics: StatisticsService;
  exec: ExecPort;
}
