/**
 * Starts executions in an allocation's sandbox and keeps track of them until they end: every execution gets its own
 * cgroup (joined before anything forks) and pid namespace; when it ends, is cancelled, killed, or its allocation goes
 * away, whatever is left of its process tree is killed and its cgroup removed before `exited` settles.
 */
import type { Logger } from 'pino';
import { PoseidonError } from '../../../../crds/errors';
import type { ExecExit, ExecProcess, ExecRequest } from '../../../../reconcilers/ports';
import type { AllocationPaths } from '../sandbox/allocation-sandboxes';
import { sandboxCommand, type SandboxPlan } from '../sandbox/bwrap-command';
import type { CgroupDriver } from '../sandbox/cgroup-driver';
import type { RootLayout } from '../sandbox/root-filesystem';
import { sandboxEnvironment } from '../sandbox/sandbox-env';
import { spawnWithPipes } from './pipe-process';
import { spawnWithPty } from './pty-process';
import type { SpawnedProcess } from './spawned-process';
import { type StderrFifo, StderrFifos } from './stderr-fifo';

/** Where an execution runs. */
export interface ExecutionTarget {
  readonly jobId: string;
  readonly allocationId: string;
  readonly paths: AllocationPaths;
  readonly root: RootLayout;
  readonly network: SandboxPlan['network'];
}

/** What an execution's end tells its owner. */
export interface ExecutionEnd {
  readonly jobId: string;
  readonly allocationId: string;
  readonly tty: boolean;
  readonly exitCode: number;
  readonly durationMs: number;
}

/** Dependencies of {@link Executions}. */
export interface ExecutionsDeps {
  readonly bwrapPath: string;
  readonly etcDir: string;
  readonly runDir: string;
  readonly cgroups: CgroupDriver;
  readonly newId: () => string;
  readonly logger: Logger;
  /** Decides how an ended execution is reported: an error (e.g. its sandbox broke) rejects `exited`. */
  readonly judge: (end: ExecutionEnd) => Promise<PoseidonError | undefined>;
  /** Runs after `exited` settled (e.g. OOM bookkeeping): `lost` = ended by the backend, `failed` = sandbox error. */
  readonly after: (end: ExecutionEnd, outcome: 'exited' | 'lost' | 'failed') => void;
}

interface Running {
  readonly jobId: string;
  readonly tty: boolean;
  readonly allocationId: string;
  readonly process: SpawnedProcess;
  /** Set when the execution is ended by the backend rather than by itself or its caller. */
  failure: PoseidonError | undefined;
}

/** The running executions of every allocation. */
export class Executions {
  private readonly running = new Set<Running>();
  private readonly fifos: StderrFifos;

  constructor(private readonly deps: ExecutionsDeps) {
    this.fifos = new StderrFifos(deps.runDir, () => `f-${deps.newId()}`);
  }

  /** Number of executions still running. */
  get count(): number {
    return this.running.size;
  }

  /** Starts `request` in `target`. Rejects with `BackendUnavailable` when the sandbox cannot be started. */
  async start(request: ExecRequest, target: ExecutionTarget): Promise<ExecProcess> {
    const executionId = `x-${this.deps.newId()}`;
    const startedAt = Date.now();
    const cgroupProcs = await this.deps.cgroups.createExecution(target.allocationId, executionId);
    let fifo: StderrFifo | undefined;
    let spawned: SpawnedProcess;
    try {
      if (request.tty && request.separateStderr) fifo = await this.fifos.take();
      const command = sandboxCommand(this.plan(request, target, cgroupProcs, fifo));
      spawned = request.tty
        ? spawnWithPty(command.file, command.args, fifo?.stream)
        : spawnWithPipes(command.file, command.args);
    } catch (error) {
      await fifo?.remove();
      await this.deps.cgroups.removeExecution(target.allocationId, executionId);
      throw error;
    }
    const running: Running = {
      jobId: target.jobId,
      tty: request.tty,
      allocationId: target.allocationId,
      process: spawned,
      failure: undefined,
    };
    this.running.add(running);
    const onAbort = (): void => spawned.kill();
    request.signal?.addEventListener('abort', onAbort);
    if (request.signal?.aborted) spawned.kill();
    const exited = this.settle(running, executionId, startedAt, fifo).finally(() => {
      request.signal?.removeEventListener('abort', onAbort);
    });
    // A caller that never looks at `exited` must not turn a lost runner into an unhandled rejection.
    exited.catch(() => undefined);
    return { stdin: spawned.stdin, stdout: spawned.stdout, stderr: spawned.stderr, exited, kill: () => spawned.kill() };
  }

  /** Kills every execution of an allocation; their `exited` rejects with `failure`. Resolves once they ended. */
  async endAllocation(allocationId: string, failure: PoseidonError): Promise<void> {
    await this.endWhere((running) => running.allocationId === allocationId, failure);
  }

  /** Kills every execution; their `exited` rejects with `failure`. Resolves once they ended. */
  async endAll(failure: PoseidonError): Promise<void> {
    await this.endWhere(() => true, failure);
  }

  private async endWhere(match: (running: Running) => boolean, failure: PoseidonError): Promise<void> {
    const ending = [...this.running].filter(match);
    for (const running of ending) {
      running.failure ??= failure;
      running.process.kill();
    }
    // A PTY reports the exit only once its output was read; do not wait forever for a consumer that stopped reading.
    const ended = (running: Running): Promise<unknown> =>
      Promise.race([running.process.exit.catch(() => undefined), delay(END_WAIT_MS)]);
    await Promise.all(ending.map(ended));
  }

  private plan(
    request: ExecRequest,
    target: ExecutionTarget,
    cgroupProcs: readonly string[],
    fifo: StderrFifo | undefined,
  ): SandboxPlan {
    return {
      bwrapPath: this.deps.bwrapPath,
      root: target.root,
      etcDir: this.deps.etcDir,
      workspaceDir: target.paths.workspace,
      tmpDir: target.paths.tmp,
      hostname: target.allocationId.slice(0, 12),
      network: target.network,
      tty: request.tty,
      ...(fifo ? { stderrFifo: fifo.path } : {}),
      privileged: request.privileged,
      env: sandboxEnvironment(request),
      command: request.command,
      cgroupProcs,
    };
  }

  /** Waits for the end, cleans up, and turns the outcome into the `exited` result. */
  private async settle(
    running: Running,
    executionId: string,
    startedAt: number,
    fifo: StderrFifo | undefined,
  ): Promise<ExecExit> {
    // The FIFO's own write end must close once the program is gone, or the stderr stream never ends.
    const release = (): void => fifo?.release();
    running.process.exit.then(release, release);
    let exitCode = 1;
    let startError: unknown;
    try {
      exitCode = await running.process.finished;
    } catch (error) {
      startError = error;
    } finally {
      await fifo?.remove();
      await this.deps.cgroups.removeExecution(running.allocationId, executionId).catch((error: unknown) => {
        this.deps.logger.error({ err: error, executionId }, 'embedded backend: cannot remove an execution cgroup');
      });
      this.running.delete(running);
    }
    const end: ExecutionEnd = {
      jobId: running.jobId,
      allocationId: running.allocationId,
      tty: running.tty,
      exitCode,
      durationMs: Date.now() - startedAt,
    };
    const failure = running.failure ?? (startError ? toBackendError(startError) : await this.deps.judge(end));
    const outcome = running.failure ? 'lost' : failure ? 'failed' : 'exited';
    setImmediate(() => this.deps.after(end, outcome));
    if (failure) throw failure;
    return { exitCode };
  }
}

const END_WAIT_MS = 2000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function toBackendError(error: unknown): PoseidonError {
  if (error instanceof PoseidonError) return error;
  return new PoseidonError('BackendUnavailable', 'the sandbox failed', { cause: error });
}
