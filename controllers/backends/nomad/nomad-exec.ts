/**
 * ExecPort over Nomad: finds the runner job's running allocation, wraps the command (command-wrapping.ts), opens the
 * exec WebSocket(s) and presents them as one ExecProcess. With a TTY and separate stderr it runs the FIFO split of
 * the original (two execs). `kill()` runs a privileged exec that SIGKILLs every process tagged with the execution's
 * id, then drops the sockets if no exit arrives within the grace time.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { PoseidonError } from '../../../crds/errors';
import type {
  AllocationState,
  ExecExit,
  ExecPort,
  ExecProcess,
  ExecRequest,
  RunnerLossCause,
} from '../../../reconcilers/ports';
import { killCommand, stderrSplitCommands, wrapCommand, type WrapOptions } from './command-wrapping';
import { openExecSocket, type ExecSocket, type ExecSocketEnd } from './exec-socket';
import type { NomadApiClient } from './nomad-api-client';
import type { NomadMetrics } from './nomad-metrics';
import type { NomadTransport } from './nomad-transport';
import { allocationStateOf, newestFirst, wasOomKilled } from './parse-allocation';

/** Runs programs in runner allocations. */
export class NomadExec implements ExecPort {
  constructor(
    private readonly transport: NomadTransport,
    private readonly api: NomadApiClient,
    private readonly metrics: NomadMetrics,
    private readonly newExecutionId: () => string = randomUUID,
  ) {}

  /** See ExecPort. Rejects with `RunnerGone` when the job has no running allocation. */
  async exec(request: ExecRequest): Promise<ExecProcess> {
    const allocation = await this.runningAllocation(request.jobId, request.signal);
    const options: WrapOptions = {
      privileged: request.privileged,
      env: request.env ?? {},
      unprivilegedPrefix: this.transport.config.unprivilegedPrefix,
      executionId: this.newExecutionId(),
    };
    const split = request.tty && request.separateStderr === true;
    const process = split
      ? this.splitSession(allocation.id, request, options)
      : this.singleSession(allocation.id, request, options);
    if (request.signal) {
      if (request.signal.aborted) process.kill();
      else request.signal.addEventListener('abort', () => process.kill(), { once: true });
    }
    return process;
  }

  private singleSession(allocationId: string, request: ExecRequest, options: WrapOptions): ExecProcess {
    const main = openExecSocket(this.transport, allocationId, wrapCommand(request.command, options), request.tty);
    const stderr = request.tty ? emptyStream() : main.stderr;
    const streams = { stdin: main.stdin, stdout: main.stdout, stderr };
    return this.process(allocationId, options.executionId, [main], streams, main.ended, request.jobId);
  }

  private splitSession(allocationId: string, request: ExecRequest, options: WrapOptions): ExecProcess {
    const fifo = `/tmp/poseidon-stderr-${options.executionId}.fifo`;
    const commands = stderrSplitCommands(request.command, options, fifo);
    const reader = openExecSocket(this.transport, allocationId, commands.reader, true);
    const writer = openExecSocket(this.transport, allocationId, commands.writer, true);
    // The writer's exit is the execution's, reported once the reader drained the FIFO (all stderr delivered).
    const both = writer.ended.then(async (end) => {
      if (end.kind === 'exited') await this.drain(reader);
      else reader.terminate('execution ended');
      return end;
    });
    return this.process(
      allocationId,
      options.executionId,
      [writer, reader],
      {
        stdin: writer.stdin,
        stdout: writer.stdout,
        stderr: reader.stdout,
      },
      both,
      request.jobId,
    );
  }

  private process(
    allocationId: string,
    executionId: string,
    sockets: ExecSocket[],
    streams: Pick<ExecProcess, 'stdin' | 'stdout' | 'stderr'>,
    ended: Promise<ExecSocketEnd>,
    jobId: string,
  ): ExecProcess {
    let killed = false;
    const exited = this.outcome(jobId, ended, () => killed);
    exited.catch(() => undefined);
    const kill = () => {
      if (killed) return;
      killed = true;
      // First SIGKILL every tagged process (Docker runs all execs of a container in one pid namespace), then drop the
      // sockets if no exit arrived: Nomad cancels the exec stream, and its driver ends what is left.
      const { clock, execKillGraceMs } = this.transport.config;
      let timer: ReturnType<typeof clock.setTimeout> | undefined;
      let over = false;
      void ended.finally(() => {
        over = true;
        if (timer !== undefined) clock.clearTimeout(timer);
      });
      void this.killTagged(allocationId, executionId).then(() => {
        if (!over) timer = clock.setTimeout(() => sockets.forEach((s) => s.terminate('killed')), execKillGraceMs);
      });
    };
    return { ...streams, exited, kill };
  }

  private async killTagged(allocationId: string, executionId: string): Promise<void> {
    const killer = openExecSocket(this.transport, allocationId, killCommand(executionId), false);
    killer.stdout.resume();
    killer.stderr.resume();
    const end = await killer.ended;
    if (end.kind === 'error')
      this.transport.config.logger.warn({ err: end.error, executionId }, 'nomad exec kill failed');
  }

  private async drain(reader: ExecSocket): Promise<void> {
    const { clock } = this.transport.config;
    let timer: ReturnType<typeof clock.setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, 2000)));
    await Promise.race([reader.ended, grace]);
    if (timer !== undefined) clock.clearTimeout(timer);
    reader.terminate('stderr reader did not end after the command exited');
  }

  private async outcome(jobId: string, ended: Promise<ExecSocketEnd>, killed: () => boolean): Promise<ExecExit> {
    const end = await ended;
    if (end.kind === 'exited') {
      this.metrics.execs.inc({ result: 'exited' });
      return { exitCode: end.exitCode };
    }
    if (killed()) {
      // We killed it: report it as bash reports death by SIGKILL.
      this.metrics.execs.inc({ result: 'killed' });
      return { exitCode: 137 };
    }
    // A broken session: find out whether the runner itself is gone (then say why) or only the connection failed.
    const gone = await this.lossOf(jobId).catch(() => undefined);
    this.metrics.execs.inc({ result: gone ? 'gone' : 'failed' });
    if (gone)
      throw new PoseidonError('RunnerGone', `runner ${jobId} is gone (${gone})`, {
        details: { cause: gone },
        cause: end.error,
      });
    throw end.error;
  }

  private async runningAllocation(jobId: string, signal: AbortSignal | undefined): Promise<AllocationState> {
    const stubs = await this.api.jobAllocations(jobId, { signal });
    const allocations = newestFirst(stubs.map(allocationStateOf).filter((a): a is AllocationState => a !== undefined));
    const running = allocations.find((a) => a.clientStatus === 'running' && a.desiredStatus === 'run');
    if (running) return running;
    const cause = lossCause(allocations[0]);
    throw new PoseidonError('RunnerGone', `runner ${jobId} has no running allocation`, { details: { cause } });
  }

  private async lossOf(jobId: string): Promise<RunnerLossCause | undefined> {
    try {
      await this.runningAllocation(jobId, undefined);
      return undefined;
    } catch (error) {
      const details = (error as PoseidonError).details as { cause?: RunnerLossCause } | undefined;
      if ((error as PoseidonError).code === 'RunnerGone') return details?.cause ?? 'stoppedUnexpectedly';
      throw error;
    }
  }
}

/** Why a job has no running allocation, judged from its newest one. */
export function lossCause(newest: AllocationState | undefined): RunnerLossCause {
  if (!newest) return 'deregistered';
  if (wasOomKilled(newest)) return 'oomKilled';
  if (newest.nextAllocationId || newest.clientStatus === 'lost') return 'rescheduled';
  return 'stoppedUnexpectedly';
}

function emptyStream(): Readable {
  const stream = new PassThrough();
  stream.end();
  return stream;
}
