import { createActor } from 'xstate';
import { FakeClock } from '../../test/support/fake-clock';
import { DEFAULT_EXECUTION_TIMINGS } from '../api-options';
import { executionMachine, type ExecutionEffects, type ExecutionOutcome } from './execution-machine';
import type { ServerMessage } from './server-messages';

/** The world the machine acts on: what the client received, the socket, the program and the runner. */
class World implements ExecutionEffects {
  readonly received: ServerMessage[] = [];
  socket: 'open' | 'closed' = 'open';
  stdin = '';
  program: 'running' | 'killed' = 'running';
  runner: 'alive' | 'destroyed' = 'alive';
  outcome: ExecutionOutcome | undefined;

  send(message: ServerMessage): void {
    if (this.socket === 'open') this.received.push(message);
  }
  close(): void {
    this.socket = 'closed';
  }
  write(data: Buffer): void {
    this.stdin += data.toString();
  }
  interrupt(): void {
    this.stdin += '\x1c';
  }
  kill(): void {
    this.program = 'killed';
  }
  destroyRunner(): void {
    this.runner = 'destroyed';
  }
  finished(outcome: ExecutionOutcome): void {
    this.outcome = outcome;
  }
}

function start(timeLimitMs = 0) {
  const clock = new FakeClock();
  const world = new World();
  const actor = createActor(executionMachine, {
    input: { timeLimitMs, timings: DEFAULT_EXECUTION_TIMINGS, effects: world },
    clock,
  });
  actor.start();
  return { clock, world, actor, done: () => actor.getSnapshot().status === 'done' };
}

describe('the execution machine', () => {
  it('sends start first, forwards output, then one exit and closes', () => {
    const { world, actor, done } = start();
    actor.send({ type: 'started' });
    actor.send({ type: 'output', stream: 'stdout', data: 'hi' });
    actor.send({ type: 'output', stream: 'stderr', data: '' });
    actor.send({ type: 'exited', exitCode: 0 });
    expect(world.received).toEqual([{ type: 'start' }, { type: 'stdout', data: 'hi' }, { type: 'exit', data: 0 }]);
    expect([world.socket, world.outcome, done()]).toEqual(['closed', 'exit', true]);
  });

  it('buffers input until the program runs, keeps its order, and stops taking input after a binary frame', () => {
    const { world, actor } = start();
    actor.send({ type: 'input', data: Buffer.from('a\n') });
    actor.send({ type: 'input', data: Buffer.from('b\n') });
    expect(world.stdin).toBe('');
    actor.send({ type: 'started' });
    actor.send({ type: 'input', data: Buffer.from('c\n') });
    actor.send({ type: 'binaryInput' });
    actor.send({ type: 'input', data: Buffer.from('ignored\n') });
    expect(world.stdin).toBe('a\nb\nc\n');
  });

  it('times out after the limit: timeout, close, Ctrl-\\, and the runner is destroyed if the program lingers 3 s', () => {
    const { world, actor, clock, done } = start(2000);
    actor.send({ type: 'started' });
    clock.advance(1999);
    expect(world.received).toEqual([{ type: 'start' }]);
    clock.advance(1);
    expect(world.received).toEqual([{ type: 'start' }, { type: 'timeout' }]);
    expect([world.socket, world.stdin]).toEqual(['closed', '\x1c']);
    clock.advance(2999);
    expect(world.runner).toBe('alive');
    clock.advance(1);
    expect([world.runner, world.program, world.outcome, done()]).toEqual(['destroyed', 'killed', 'timeout', true]);
  });

  it('keeps the runner when the program ends within the grace', () => {
    const { world, actor, clock, done } = start(1000);
    actor.send({ type: 'started' });
    clock.advance(1000);
    actor.send({ type: 'exited', exitCode: 131 });
    clock.advance(10_000);
    expect([world.runner, done(), world.received.length]).toEqual(['alive', true, 2]);
  });

  it('sends no terminal message when the client closed first', () => {
    const { world, actor, clock } = start();
    actor.send({ type: 'started' });
    world.close();
    actor.send({ type: 'clientClosed' });
    expect(world.stdin).toBe('\x1c');
    actor.send({ type: 'exited', exitCode: 131 });
    clock.advance(5000);
    expect(world.received).toEqual([{ type: 'start' }]);
    expect([world.runner, world.outcome]).toEqual(['alive', 'clientClosed']);
  });

  it('holds exit 128 for a second: an OOM report in that time wins', () => {
    const oom = start();
    oom.actor.send({ type: 'started' });
    oom.actor.send({ type: 'exited', exitCode: 128 });
    oom.clock.advance(999);
    oom.actor.send({ type: 'runnerGone', cause: 'oomKilled' });
    expect(oom.world.received.slice(1)).toEqual([{ type: 'error', data: 'the allocation was OOM Killed' }]);
    const plain = start();
    plain.actor.send({ type: 'started' });
    plain.actor.send({ type: 'exited', exitCode: 128 });
    expect(plain.world.received.length).toBe(1);
    plain.clock.advance(1000);
    expect(plain.world.received.slice(1)).toEqual([{ type: 'exit', data: 128 }]);
  });

  it.each([
    ['released', { type: 'error', data: 'the allocation stopped as expected' }],
    ['deregistered', { type: 'error', data: 'the allocation stopped as expected' }],
    ['stoppedUnexpectedly', { type: 'error', data: 'the allocation stopped as expected' }],
    ['oomKilled', { type: 'error', data: 'the allocation was OOM Killed' }],
    ['inactivityTimeout', { type: 'timeout' }],
    ['rescheduled', { type: 'error', data: 'Error executing the request' }],
  ] as const)('tells the client about a runner lost to %s and kills the program', (cause, message) => {
    const { world, actor, done } = start();
    actor.send({ type: 'started' });
    actor.send({ type: 'runnerGone', cause });
    expect(world.received.slice(1)).toEqual([message]);
    expect([world.program, world.socket, done()]).toEqual(['killed', 'closed', true]);
  });

  it('reports a program that could not start, and kills one that starts after the client left', () => {
    const failed = start();
    failed.actor.send({ type: 'failed', message: { type: 'error', data: 'Error executing the request' } });
    expect(failed.world.received).toEqual([{ type: 'start' }, { type: 'error', data: 'Error executing the request' }]);
    const late = start();
    late.world.close();
    late.actor.send({ type: 'clientClosed' });
    late.world.program = 'running';
    late.actor.send({ type: 'started' });
    expect(late.world.program).toBe('killed');
  });

  it('ends at once on shutdown with an error message', () => {
    const { world, actor, done } = start(60_000);
    actor.send({ type: 'started' });
    actor.send({ type: 'shutdown' });
    expect(world.received.slice(1)).toEqual([{ type: 'error', data: 'Error executing the request' }]);
    expect(done()).toBe(true);
  });

  it('ignores a time limit beyond what a timer can hold', () => {
    const { world, actor, clock } = start(2 ** 40);
    actor.send({ type: 'started' });
    clock.advance(10_000);
    expect(world.received).toEqual([{ type: 'start' }]);
  });
});
