/**
 * What the double's "client node" needs from whatever really runs allocations: start a runner task, stop it, run a
 * command inside it, and report a task that died on its own. Adapters: the embedded backend's sandboxes
 * (embedded-runtime.ts, the default) and a mock driver that runs nothing (mock-runtime.ts, for scale tests).
 */
import type { Readable, Writable } from 'node:stream';
import type { TaskSettings } from '../../reconcilers/ports';

/** One allocation's task, as the runtime starts it. */
export interface RuntimeTask {
  readonly allocationId: string;
  readonly jobId: string;
  readonly settings: TaskSettings;
  /** The task environment Nomad injects (`NOMAD_*`). */
  readonly env: Readonly<Record<string, string>>;
}

/** A command running inside an allocation. */
export interface RuntimeProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Empty with a TTY (merged into stdout). */
  readonly stderr: Readable;
  /** The exit code (128+N for death by signal N). Rejects when the runtime lost the process. */
  readonly exit: Promise<number>;
  /** Kills the command and everything it started. */
  kill(): void;
}

/** Where a started task's exposed ports are reachable. */
export interface RuntimePort {
  readonly label: string;
  readonly value: number;
  readonly to: number;
  readonly hostIp: string;
}

/** How a task ended on its own. */
export interface TaskDeath {
  readonly allocationId: string;
  readonly message: string;
}

/** The runtime port. */
export interface AllocationRuntime {
  readonly name: string;
  /** Starts the idle task; rejects with a driver message when it cannot. Answers the published ports. */
  start(task: RuntimeTask): Promise<{ readonly ports: readonly RuntimePort[] }>;
  /** Stops the task and frees what it held (idempotent). */
  stop(allocationId: string): Promise<void>;
  /** Runs `command` (argv) in a running allocation as the task's user. */
  exec(allocationId: string, command: readonly string[], tty: boolean): Promise<RuntimeProcess>;
  /** Registers the listener for tasks that die without being stopped. */
  onTaskDeath(listener: (death: TaskDeath) => void): void;
  /** Stops everything and releases the runtime's resources. */
  close(): Promise<void>;
}
