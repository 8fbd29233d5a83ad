/**
 * The backend port: the narrow, Nomad-shaped interface the reconcilers, the cache and the execution layer use.
 * Two adapters implement it: controllers/backends/embedded (local bubblewrap sandboxes, the default) and
 * controllers/backends/nomad (Nomad's HTTP API). Everything here is plain data; nothing is Nomad-specific beyond the
 * vocabulary (jobs, allocations, meta, indexes, events, exec).
 */
import type { Readable, Writable } from 'node:stream';

/** Settings of a job's runner task, rendered from an environment spec. */
export interface TaskSettings {
  /** OCI image (Nomad) or the name of a configured root filesystem (embedded). */
  readonly image: string;
  /** CPU in MHz. */
  readonly cpuLimit: number;
  /** Hard memory limit in MB (Nomad `memory_max`); 0 = none. */
  readonly memoryLimit: number;
  readonly networkAccess: boolean;
  /** Container ports to map to dynamic host ports (only with networkAccess). */
  readonly exposedPorts: readonly number[];
  /** Pull the image even when it is cached (Nomad `force_pull`). */
  readonly forcePull?: boolean;
}

/** What a register call sends: one job with one runner task and the `config` task group's meta. */
export interface JobSpec {
  /** `template-<envId>` or `<envId>-<uuid>` (see naming.ts). */
  readonly id: string;
  readonly settings: TaskSettings;
  /** The `config` task group's meta (`used`, `timeout`, `prewarmingPoolSize`, `templateHash`, ...). Strings only. */
  readonly meta: Readonly<Record<string, string>>;
}

/** Nomad job status. */
export type JobStatus = 'pending' | 'running' | 'dead';

/** A job as the backend reports it. */
export interface JobState extends JobSpec {
  readonly status: JobStatus;
  readonly createIndex: number;
  /** Changes on every write to the job (including status changes). */
  readonly modifyIndex: number;
  /** Changes only when the job's definition changes: the check-and-set token of register's `enforceIndex`. */
  readonly jobModifyIndex: number;
  readonly version: number;
}

/** Nomad allocation client status. */
export type AllocationClientStatus = 'pending' | 'running' | 'complete' | 'failed' | 'lost' | 'unknown';
/** Nomad allocation desired status. */
export type AllocationDesiredStatus = 'run' | 'stop' | 'evict';

/** A port of an allocation: `to` inside the runner, reachable at `hostIp:value`. */
export interface AllocatedPort {
  readonly label: string;
  readonly value: number;
  readonly to: number;
  readonly hostIp: string;
}

/** One task event (Nomad TaskState.Events[]), reduced to what the controller reads. */
export interface TaskEvent {
  /** Nomad event type, e.g. `Received`, `Started`, `Terminated`, `Killed`, `Restarting`, `Not Restarting`. */
  readonly type: string;
  /** Unix nanoseconds, as Nomad sends it. */
  readonly time: number;
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  readonly message?: string;
}

/** An allocation (one placement of a job's runner task group) as the backend reports it. */
export interface AllocationState {
  readonly id: string;
  readonly jobId: string;
  readonly clientStatus: AllocationClientStatus;
  readonly desiredStatus: AllocationDesiredStatus;
  readonly createIndex: number;
  readonly modifyIndex: number;
  /** Task state of the runner task (`default-task`). */
  readonly taskState: 'pending' | 'running' | 'dead';
  readonly restarts: number;
  readonly taskEvents: readonly TaskEvent[];
  /** Set when this allocation replaces an earlier one of the same job (a reschedule). */
  readonly previousAllocationId?: string;
  /** Set when this allocation has been replaced (it was rescheduled away). */
  readonly nextAllocationId?: string;
  readonly ports: readonly AllocatedPort[];
}

/** A list answer with the backend index it is consistent with. */
export interface Listed<T> {
  readonly items: readonly T[];
  readonly index: number;
}

/** Options of {@link JobsPort.registerJob}. */
export interface RegisterOptions {
  /** Only register when the job's current `jobModifyIndex` equals this (0 = only if the job does not exist). */
  readonly enforceIndex?: number;
}

/** Jobs and allocations. Every method rejects with a `PoseidonError` (`BackendUnavailable`, `Conflict`, ...). */
export interface JobsPort {
  /** Creates or updates a job. A changed `settings` restarts its allocation; a meta-only change does not. */
  registerJob(
    job: JobSpec,
    options?: RegisterOptions,
  ): Promise<{ readonly index: number; readonly jobModifyIndex: number }>;
  /** Stops the job and purges it. Deregistering an unknown job succeeds (idempotent). */
  deregisterJob(id: string): Promise<{ readonly index: number }>;
  readJob(id: string): Promise<JobState | undefined>;
  /** Jobs whose id starts with `prefix` ('' = all), with their meta; bounded number of backend calls. */
  listJobs(prefix: string): Promise<Listed<JobState>>;
  /** Allocations of jobs whose id starts with `prefix` ('' = all), newest first per job. */
  listAllocations(prefix: string): Promise<Listed<AllocationState>>;
  /** Allocations of one job, newest (highest createIndex) first. */
  jobAllocations(jobId: string): Promise<readonly AllocationState[]>;
}

/** Events of the backend's event feed, in increasing `index` order. */
export type BackendEvent =
  | {
      readonly topic: 'Job';
      readonly type: 'JobRegistered' | 'JobDeregistered' | 'JobBatchDeregistered';
      readonly index: number;
      readonly key: string;
      readonly job?: JobState;
    }
  | {
      readonly topic: 'Allocation';
      readonly type: string;
      readonly index: number;
      readonly key: string;
      readonly allocation: AllocationState;
    }
  | {
      readonly topic: 'Evaluation';
      readonly type: string;
      readonly index: number;
      readonly key: string;
      readonly jobId: string;
      readonly status: string;
    };

/**
 * The event feed. `events(fromIndex)` yields batches of events with index > fromIndex (0 = from now) until the signal
 * aborts or the feed breaks (then it throws `BackendUnavailable`). It throws a `PoseidonError` with code `Conflict`
 * and `details: { reason: 'gap' }` when events after `fromIndex` may have been lost (index too old, or the backend's
 * index went backwards): the caller must re-list. Heartbeats are not yielded.
 */
export interface EventFeedPort {
  events(fromIndex: number, signal: AbortSignal): AsyncIterable<readonly BackendEvent[]>;
}

/** The exit of an execution: bash's convention, 128+N for death by signal N. */
export interface ExecExit {
  readonly exitCode: number;
}

/** A request to run a program inside a runner's allocation. */
export interface ExecRequest {
  readonly jobId: string;
  /** argv; never interpreted by a shell on the way (the program may be a shell itself). */
  readonly command: readonly string[];
  /** Variables added to the runner's clean environment (which always has `CODEOCEAN=true`). */
  readonly env?: Readonly<Record<string, string>>;
  /** true: run as root inside the runner; false: as the unprivileged user `user`. */
  readonly privileged: boolean;
  /** Allocate a PTY (echo, `\r\n`, line discipline) for stdin/stdout. */
  readonly tty: boolean;
  /** With tty: deliver stderr separately on `stderr` instead of merged into stdout (`server.interactivestderr`). */
  readonly separateStderr?: boolean;
  /** Aborting kills every process of the execution. */
  readonly signal?: AbortSignal;
}

/** A running execution. Streams carry raw bytes and apply back-pressure to the program. */
export interface ExecProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Ends at once (empty) when stderr is merged into stdout. */
  readonly stderr: Readable;
  /**
   * Resolves after the program exited and stdout/stderr have ended. Rejects with a `PoseidonError`
   * (`RunnerGone` when the allocation is gone, with `details: { cause: RunnerLossCause }` when known;
   * `BackendUnavailable` for transport failures).
   */
  readonly exited: Promise<ExecExit>;
  /** Kills every process of this execution (SIGKILL to the whole tree). Idempotent. */
  kill(): void;
}

/** Running programs inside runners. */
export interface ExecPort {
  exec(request: ExecRequest): Promise<ExecProcess>;
}

/** The whole backend, as the composition root hands it out. */
export interface Backend extends JobsPort, EventFeedPort, ExecPort {
  /** Human-readable name for logs and metrics (`embedded`, `nomad`). */
  readonly name: string;
  /** Starts background work (sandbox supervision, connections). */
  start(): Promise<void>;
  /** Stops background work; runner jobs and their state stay (a restart recovers them). */
  stop(): Promise<void>;
}

/** Why a runner was lost. Used in logs, metrics and the WebSocket `error` message. */
export type RunnerLossCause =
  | 'oomKilled'
  | 'rescheduled'
  | 'stoppedUnexpectedly'
  | 'deregistered'
  | 'inactivityTimeout'
  | 'released';

/** An injectable clock. */
export interface Clock {
  now(): number;
}

/**
 * Read-only view of the backend's observed state (the controller's cache, fed by list calls and the event feed).
 * Objects are shared and frozen; never mutate them.
 */
export interface ObservedState {
  /** True once the first full list has been loaded. */
  readonly synced: boolean;
  job(id: string): JobState | undefined;
  /** Jobs whose id starts with `prefix`. */
  jobsWithPrefix(prefix: string): readonly JobState[];
  /** Allocations of a job, newest (highest createIndex) first. */
  allocations(jobId: string): readonly AllocationState[];
}

/** Where reconcilers report that a runner was destroyed, and why (the service delivers it to live sessions). */
export interface RunnerLossReporter {
  /**
   * Reports the loss. Returns false when this runner's loss was already reported (by another reconciler racing on
   * the same runner, or by the API), so it is not counted twice; void counts as a first report.
   */
  runnerLost(runnerId: string, cause: RunnerLossCause): boolean | void;
}

/**
 * Last recorded activity of claimed runners (in memory, owned by the service). `undefined` means no activity was
 * recorded since this process started.
 */
export interface ActivityClock {
  lastActivity(runnerId: string): number | undefined;
}
