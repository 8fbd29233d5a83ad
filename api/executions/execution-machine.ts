/**
 * The life of one WebSocket execution as an xstate machine, run as one live actor per socket (execution-session.ts
 * wires it to the socket and the process; every side effect goes through {@link ExecutionEffects}).
 *
 *   live.connecting -> live.running -> done            (exit; exit 128 first waits in holdingExit for an OOM report)
 *   live.* --time limit / client close--> stopping -> done   (Ctrl-\ sent; after the grace the runner is destroyed)
 *   live.* --runner gone--> done                       (the loss cause decides the terminal message)
 *
 * `start` is sent on entry; exactly one terminal message follows unless the client closed first; the socket is
 * closed (1000) on the way to `done`. The time limit counts from the connect.
 */
import { assign, setup } from 'xstate';
import type { RunnerLossCause } from '../../reconcilers/ports';
import type { ExecutionTimings } from '../api-options';
import { EXECUTION_ERROR, exitMessage, lossMessage, type ServerMessage, type TerminalMessage } from './server-messages';

/** The side effects the machine asks for. */
export interface ExecutionEffects {
  send(message: ServerMessage): void;
  /** Closes the socket with 1000 after the queued messages (idempotent). */
  close(): void;
  /** Appends raw bytes to the program's stdin. */
  write(data: Buffer): void;
  /** Sends Ctrl-\ (SIGQUIT through the PTY). */
  interrupt(): void;
  /** Kills every process of the execution (idempotent, harmless after the exit). */
  kill(): void;
  /** Destroys the runner: the program could not be stopped. */
  destroyRunner(): void;
  /** Called once, in the final state. */
  finished(outcome: ExecutionOutcome): void;
}

/** How an execution ended, for logs and metrics. */
export type ExecutionOutcome = 'exit' | 'timeout' | 'error' | 'clientClosed' | 'stuck';

/** Events from the socket, the process and the runner. */
export type ExecutionEvent =
  | { type: 'started' }
  | { type: 'failed'; message: TerminalMessage }
  | { type: 'output'; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'exited'; exitCode: number }
  | { type: 'runnerGone'; cause: RunnerLossCause }
  | { type: 'input'; data: Buffer }
  | { type: 'binaryInput' }
  | { type: 'clientClosed' }
  | { type: 'shutdown' };

/** What an execution starts with. */
export interface ExecutionMachineInput {
  /** Milliseconds; 0 = none, negative = at once. */
  readonly timeLimitMs: number;
  readonly timings: ExecutionTimings;
  readonly effects: ExecutionEffects;
}

interface ExecutionContext extends ExecutionMachineInput {
  readonly pendingInput: readonly Buffer[];
  readonly inputOpen: boolean;
  readonly exitCode: number;
  readonly outcome: ExecutionOutcome;
}

/** Timers beyond this are not representable by setTimeout; such a limit is no limit. */
const MAX_DELAY_MS = 2147483647;

function outcomeOf(message: TerminalMessage): ExecutionOutcome {
  return message.type;
}

/** The execution lifecycle. */
export const executionMachine = setup({
  types: {} as { context: ExecutionContext; events: ExecutionEvent; input: ExecutionMachineInput },
  delays: {
    timeLimit: ({ context }) => Math.max(0, context.timeLimitMs),
    stopGrace: ({ context }) => context.timings.stopGraceMs,
    exitHold: ({ context }) => context.timings.exitHoldMs,
  },
  guards: {
    hasTimeLimit: ({ context }) => context.timeLimitMs !== 0 && context.timeLimitMs <= MAX_DELAY_MS,
    inputOpen: ({ context }) => context.inputOpen,
    exitedWith128: ({ event }) => event.type === 'exited' && event.exitCode === 128,
  },
  actions: {
    sendStart: ({ context }) => context.effects.send({ type: 'start' }),
    sendOutput: ({ context, event }) => {
      if (event.type === 'output' && event.data !== '') context.effects.send({ type: event.stream, data: event.data });
    },
    bufferInput: assign({
      pendingInput: ({ context, event }) =>
        event.type === 'input' ? [...context.pendingInput, event.data] : context.pendingInput,
    }),
    flushInput: assign({
      pendingInput: ({ context }) => {
        for (const data of context.pendingInput) context.effects.write(data);
        return [];
      },
    }),
    writeInput: ({ context, event }) => {
      if (event.type === 'input') context.effects.write(event.data);
    },
    closeInput: assign({ inputOpen: false, pendingInput: [] }),
    rememberExit: assign({
      exitCode: ({ context, event }) => (event.type === 'exited' ? event.exitCode : context.exitCode),
    }),
    terminate: assign({
      outcome: ({ context }, message: TerminalMessage) => {
        context.effects.send(message);
        context.effects.close();
        return outcomeOf(message);
      },
    }),
    clientLeft: assign({ outcome: 'clientClosed' as const }),
    interrupt: ({ context }) => context.effects.interrupt(),
    kill: ({ context }) => context.effects.kill(),
    destroyRunner: assign({
      outcome: ({ context }) => {
        context.effects.kill();
        context.effects.destroyRunner();
        return context.outcome === 'clientClosed' ? 'stuck' : context.outcome;
      },
    }),
    finish: ({ context }) => {
      context.effects.kill();
      context.effects.close();
      context.effects.finished(context.outcome);
    },
  },
}).createMachine({
  id: 'execution',
  context: ({ input }) => ({ ...input, pendingInput: [], inputOpen: true, exitCode: 0, outcome: 'error' }),
  initial: 'live',
  states: {
    live: {
      initial: 'connecting',
      after: {
        timeLimit: {
          guard: 'hasTimeLimit',
          target: 'stopping',
          actions: { type: 'terminate', params: { type: 'timeout' } },
        },
      },
      on: {
        runnerGone: {
          target: 'done',
          actions: { type: 'terminate', params: ({ event }) => lossMessage(event.cause) },
        },
        clientClosed: { target: 'stopping', actions: 'clientLeft' },
        shutdown: { target: 'done', actions: { type: 'terminate', params: { type: 'error', data: EXECUTION_ERROR } } },
        binaryInput: { actions: 'closeInput' },
      },
      states: {
        connecting: {
          entry: 'sendStart',
          on: {
            input: { guard: 'inputOpen', actions: 'bufferInput' },
            started: { target: 'running', actions: 'flushInput' },
            failed: { target: '#execution.done', actions: { type: 'terminate', params: ({ event }) => event.message } },
          },
        },
        running: {
          on: {
            input: { guard: 'inputOpen', actions: 'writeInput' },
            output: { actions: 'sendOutput' },
            exited: [
              { guard: 'exitedWith128', target: '#execution.holdingExit', actions: 'rememberExit' },
              {
                target: '#execution.done',
                actions: { type: 'terminate', params: ({ event }) => exitMessage(event.exitCode) },
              },
            ],
            failed: { target: '#execution.done', actions: { type: 'terminate', params: ({ event }) => event.message } },
          },
        },
      },
    },
    holdingExit: {
      after: {
        exitHold: {
          target: 'done',
          actions: { type: 'terminate', params: ({ context }) => exitMessage(context.exitCode) },
        },
      },
      on: {
        runnerGone: { target: 'done', actions: { type: 'terminate', params: ({ event }) => lossMessage(event.cause) } },
        clientClosed: { target: 'done', actions: 'clientLeft' },
        shutdown: {
          target: 'done',
          actions: { type: 'terminate', params: ({ context }) => exitMessage(context.exitCode) },
        },
      },
    },
    stopping: {
      entry: 'interrupt',
      after: { stopGrace: { target: 'done', actions: 'destroyRunner' } },
      on: {
        started: { actions: 'kill' },
        exited: 'done',
        failed: 'done',
        runnerGone: 'done',
        shutdown: 'done',
      },
    },
    done: { type: 'final', entry: 'finish' },
  },
});
