/**
 * An ExecPort that runs programs directly on this machine (no sandbox), for tests of everything above the backend:
 * each runner (job id) gets its own temp directory as working directory; tty executions run on a PTY (node-pty),
 * the others on pipes; with `separateStderr` a PTY execution's stderr goes through a FIFO, as in the original.
 * When the test process is root, unprivileged executions run as `nobody` (and the runner directories belong to it),
 * privileged ones as root. Real processes, real files; {@link LocalExec.removeRunner} kills a runner's executions
 * (their `exited` rejects with `RunnerGone` and the cause) and deletes its directory.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStderrFifo, type StderrFifo } from '../../controllers/backends/embedded/exec/stderr-fifo';
import { PoseidonError } from '../../crds/errors';
import type { ExecPort, ExecProcess, ExecRequest, RunnerLossCause } from '../../reconcilers/ports';
import { startOnPipes, startOnPty, type LocalProcess } from './local-process';

/** Options of {@link LocalExec}. */
export interface LocalExecOptions {
  /** Parent of the runner directories (default: a fresh temp directory, removed by `close`). */
  readonly rootDir?: string;
  /** Identity of unprivileged executions when running as root (default 65534, nobody). */
  readonly unprivilegedUid?: number;
  readonly unprivilegedGid?: number;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs executions as local processes. */
export class LocalExec implements ExecPort {
  readonly rootDir: string;
  private readonly owned: boolean;
  private readonly running = new Map<string, Set<LocalProcess>>();
  private readonly removed = new Map<string, RunnerLossCause>();
  private fifoCount = 0;

  constructor(private readonly options: LocalExecOptions = {}) {
    this.owned = options.rootDir === undefined;
    this.rootDir = options.rootDir ?? mkdtempSync(path.join(os.tmpdir(), 'local-exec-'));
    // Unprivileged executions must reach their runner directory and their stderr FIFO.
    chmodSync(this.rootDir, 0o755);
    mkdirSync(path.join(this.rootDir, 'fifos'), { recursive: true, mode: 0o755 });
    mkdirSync(path.join(this.rootDir, 'runners'), { recursive: true, mode: 0o755 });
  }

  /** The working directory of `jobId` (created on first use, owned by the unprivileged user). */
  workspaceOf(jobId: string): string {
    const dir = path.join(this.rootDir, 'runners', encodeURIComponent(jobId));
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const identity = this.identity(false);
    if (identity) chownSync(dir, identity.uid, identity.gid);
    return dir;
  }

  /** Number of executions still running. */
  get runningCount(): number {
    let count = 0;
    for (const set of this.running.values()) count += set.size;
    return count;
  }

  async exec(request: ExecRequest): Promise<ExecProcess> {
    const cause = this.removed.get(request.jobId);
    if (cause) throw gone(request.jobId, cause);
    const cwd = this.workspaceOf(request.jobId);
    const identity = this.identity(request.privileged);
    const env = { PATH, HOME: cwd, ...(request.tty ? { TERM: 'xterm' } : {}), ...request.env, CODEOCEAN: 'true' };
    const spec = { command: request.command, cwd, env, ...(identity ?? {}) };
    let fifo: StderrFifo | undefined;
    if (request.tty && request.separateStderr) {
      fifo = await createStderrFifo(path.join(this.rootDir, 'fifos'), `e${++this.fifoCount}`);
      if (identity) chownSync(fifo.path, identity.uid, identity.gid);
    }
    const local = request.tty ? startOnPty(spec, fifo) : startOnPipes(spec);
    this.track(request.jobId, local);
    const onAbort = (): void => local.kill();
    request.signal?.addEventListener('abort', onAbort);
    if (request.signal?.aborted) local.kill();
    void local.process.exited
      .catch(() => undefined)
      .finally(() => request.signal?.removeEventListener('abort', onAbort));
    return local.process;
  }

  /** Kills the executions of `jobId` (their `exited` rejects with `RunnerGone`) and deletes its directory. */
  async removeRunner(jobId: string, cause: RunnerLossCause): Promise<void> {
    this.removed.set(jobId, cause);
    const processes = [...(this.running.get(jobId) ?? [])];
    for (const local of processes) local.fail(gone(jobId, cause));
    await Promise.all(processes.map((local) => local.process.exited.catch(() => undefined)));
    rmSync(path.join(this.rootDir, 'runners', encodeURIComponent(jobId)), { recursive: true, force: true });
  }

  /** Kills everything and removes the directories this instance created. */
  async close(): Promise<void> {
    const all = [...this.running.values()].flatMap((set) => [...set]);
    for (const local of all) local.fail(new PoseidonError('BackendUnavailable', 'the local ExecPort was closed'));
    await Promise.all(all.map((local) => local.process.exited.catch(() => undefined)));
    if (this.owned) rmSync(this.rootDir, { recursive: true, force: true });
  }

  private identity(privileged: boolean): { uid: number; gid: number } | undefined {
    if (privileged || process.getuid?.() !== 0) return undefined;
    return { uid: this.options.unprivilegedUid ?? 65534, gid: this.options.unprivilegedGid ?? 65534 };
  }

  private track(jobId: string, local: LocalProcess): void {
    let set = this.running.get(jobId);
    if (!set) {
      set = new Set();
      this.running.set(jobId, set);
    }
    set.add(local);
    const done = (): void => {
      set.delete(local);
      if (set.size === 0 && this.running.get(jobId) === set) this.running.delete(jobId);
    };
    local.process.exited.then(done, done);
  }
}

function gone(jobId: string, cause: RunnerLossCause): PoseidonError {
  return new PoseidonError('RunnerGone', `runner ${jobId} is gone (${cause})`, { details: { cause } });
}
