import type { RunnerLossCause } from '../../reconcilers/ports';
import type { ExecutionBody } from '../decode/request-bodies';
import { MAX_STORED_PER_RUNNER, StoredExecutions } from './stored-executions';

class Losses {
  private readonly listeners = new Map<string, Set<(cause: RunnerLossCause) => void>>();
  onGone(runnerId: string, listener: (cause: RunnerLossCause) => void): () => void {
    const set = this.listeners.get(runnerId) ?? new Set();
    this.listeners.set(runnerId, set);
    set.add(listener);
    return () => set.delete(listener);
  }
  lose(runnerId: string): void {
    for (const listener of this.listeners.get(runnerId) ?? []) listener('released');
  }
  subscribers(runnerId: string): number {
    return this.listeners.get(runnerId)?.size ?? 0;
  }
}

const body: ExecutionBody = { command: 'true', privilegedExecution: false, timeLimit: 0, environment: {} };

describe('stored executions', () => {
  let counter = 0;
  const newId = () => `id-${++counter}`;

  it('hands out each execution once', () => {
    const stored = new StoredExecutions(new Losses(), newId);
    const id = stored.add('r', body);
    expect(stored.take('other', id)).toBeUndefined();
    expect(stored.take('r', id)).toBe(body);
    expect(stored.take('r', id)).toBeUndefined();
  });

  it('drops everything of a runner that goes away and stops listening once empty', () => {
    const losses = new Losses();
    const stored = new StoredExecutions(losses, newId);
    const a = stored.add('r', body);
    stored.add('r', body);
    stored.add('s', body);
    losses.lose('r');
    expect(stored.has('r', a)).toBe(false);
    expect(stored.size).toBe(1);
    const last = stored.add('t', body);
    stored.take('t', last);
    expect(losses.subscribers('t')).toBe(0);
  });

  it('keeps at most a bounded number per runner, dropping the oldest', () => {
    const stored = new StoredExecutions(new Losses(), newId);
    const first = stored.add('r', body);
    for (let i = 0; i < MAX_STORED_PER_RUNNER; i++) stored.add('r', body);
    expect(stored.has('r', first)).toBe(false);
    expect(stored.size).toBe(MAX_STORED_PER_RUNNER);
  });
});
