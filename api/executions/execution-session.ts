/**
 * One attached execution: the WebSocket, the program (started through the ExecPort as `bash -c <command>` on a PTY),
 * and the live actor of execution-machine.ts between them. Text frames are the program's stdin (raw bytes, in order,
 * buffered until it runs); output is decoded per stream and sent with back-pressure (the program is paused while the
 * client is slow). The actor stops when it reaches `done`; the socket is closed on the way.
 */
import type { Logger } from 'pino';
import { createActor, type Actor } from 'xstate';
import type { Readable } from 'node:stream';
import type { WebSocket, RawData } from 'ws';
import { errorCodeOf } from '../../crds/errors';
import type { ExecPort, ExecProcess, RunnerLossCause } from '../../reconcilers/ports';
import type { ApiClock, ExecutionTimings } from '../api-options';
import type { ExecutionBody } from '../decode/request-bodies';
import type { RunnersService } from '../ports';
import {
  executionMachine,
  type ExecutionEffects,
  type ExecutionEvent,
  type ExecutionOutcome,
} from './execution-machine';
import { OutputDecoder } from './output-decoder';
import {
  EXECUTION_ERROR,
  encodeMessage,
  lossMessage,
  type ServerMessage,
  type TerminalMessage,
} from './server-messages';

/** Ctrl-\: SIGQUIT to the PTY's foreground process group. */
const QUIT = Buffer.from([0x1c]);
/** Output waiting in the socket above this pauses the program; below the low mark it resumes. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/** What a session needs. */
export interface SessionDeps {
  readonly exec: ExecPort;
  readonly runners: RunnersService;
  readonly clock: ApiClock;
  readonly timings: ExecutionTimings;
  readonly interactiveStderr: boolean;
  readonly logger: Logger;
  /** Called once when the execution is over. */
  readonly onFinished: (outcome: ExecutionOutcome, durationMs: number) => void;
}

/** The terminal message for a failed execution (a lost runner names its cause). */
export function failureMessage(error: unknown): TerminalMessage {
  const details = (error as { details?: { cause?: unknown } } | undefined)?.details;
  if (errorCodeOf(error) === 'RunnerGone' && typeof details?.cause === 'string') {
    return lossMessage(details.cause as RunnerLossCause);
  }
  return { type: 'error', data: EXECUTION_ERROR };
}

/** A live execution on one socket. */
export class ExecutionSession {
  private readonly actor: Actor<typeof executionMachine>;
  private process: ExecProcess | undefined;
  private queuedBytes = 0;
  private readonly startedAt: number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly socket: WebSocket,
    private readonly runnerId: string,
    private readonly execution: ExecutionBody,
    private readonly deps: SessionDeps,
  ) {
    this.startedAt = deps.clock.now();
    this.actor = createActor(executionMachine, {
      input: { timeLimitMs: execution.timeLimit * 1000, timings: deps.timings, effects: this.effects() },
      clock: deps.clock,
    });
    this.unsubscribe = deps.runners.onGone(runnerId, (cause) => this.dispatch({ type: 'runnerGone', cause }));
    socket.on('message', (data: RawData, isBinary: boolean) => this.onFrame(data, isBinary));
    socket.on('close', () => this.dispatch({ type: 'clientClosed' }));
    socket.on('error', (error) => deps.logger.debug({ err: error, runnerId }, 'execution socket error'));
    this.actor.start();
    void this.launch();
  }

  /** Ends the execution because the server shuts down. */
  shutdown(): void {
    this.dispatch({ type: 'shutdown' });
  }

  /** True until the execution is over. */
  get active(): boolean {
    return this.actor.getSnapshot().status === 'active';
  }

  /** Sends an event to the actor unless it already finished (late socket or process events are expected). */
  private dispatch(event: ExecutionEvent): void {
    if (this.active) this.actor.send(event);
  }

  private async launch(): Promise<void> {
    let process: ExecProcess;
    try {
      process = await this.deps.exec.exec({
        jobId: this.runnerId,
        command: ['bash', '-c', this.execution.command],
        env: this.execution.environment,
        privileged: this.execution.privilegedExecution,
        tty: true,
        separateStderr: this.deps.interactiveStderr,
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, runnerId: this.runnerId }, 'cannot start the execution');
      this.dispatch({ type: 'failed', message: failureMessage(error) });
      return;
    }
    this.process = process;
    process.stdin.on('error', () => undefined);
    process.stdin.on('drain', () => this.socket.resume());
    this.forward(process.stdout, 'stdout');
    this.forward(process.stderr, 'stderr');
    process.exited.then(
      ({ exitCode }) => this.dispatch({ type: 'exited', exitCode }),
      (error: unknown) => this.dispatch({ type: 'failed', message: failureMessage(error) }),
    );
    if (this.active) this.dispatch({ type: 'started' });
    else process.kill();
  }

  private forward(stream: Readable, name: 'stdout' | 'stderr'): void {
    const decoder = new OutputDecoder();
    stream.on('data', (chunk: Buffer) => this.dispatch({ type: 'output', stream: name, data: decoder.write(chunk) }));
    stream.on('end', () => this.dispatch({ type: 'output', stream: name, data: decoder.end() }));
    stream.on('error', () => undefined);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.dispatch({ type: 'binaryInput' });
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    this.dispatch({ type: 'input', data: bytes });
  }

  private effects(): ExecutionEffects {
    return {
      send: (message) => this.send(message),
      close: () => {
        if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000);
      },
      write: (data) => {
        if (this.process && !this.process.stdin.write(data)) this.socket.pause();
      },
      interrupt: () => this.process?.stdin.write(QUIT),
      kill: () => this.process?.kill(),
      destroyRunner: () => {
        this.deps.runners.destroy(this.runnerId, 'released').catch(() => undefined);
      },
      finished: (outcome) => {
        this.unsubscribe();
        this.deps.onFinished(outcome, this.deps.clock.now() - this.startedAt);
      },
    };
  }

  /** Queues a message; pauses the program's output while too much is waiting for the client. */
  private send(message: ServerMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const text = encodeMessage(message);
    this.queuedBytes += text.length;
    if (this.queuedBytes > HIGH_WATER) this.pauseOutput(true);
    this.socket.send(text, () => {
      this.queuedBytes -= text.length;
      if (this.queuedBytes < LOW_WATER) this.pauseOutput(false);
    });
  }

  private pauseOutput(pause: boolean): void {
    for (const stream of [this.process?.stdout, this.process?.stderr]) {
      if (pause) stream?.pause();
      else stream?.resume();
    }
  }
}
