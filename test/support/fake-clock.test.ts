import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  it('fires due timers in due order and moves time to each timer as it fires', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push('late'), 100);
    clock.advance(50);
    expect(fired).toEqual(['a@1010', 'b@1020']);
    expect(clock.now()).toBe(1050);
    expect(clock.pendingTimers).toBe(1);
  });

  it('fires timers set by a firing timer when they fall due within the same advance', () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 5), 5);
    clock.advance(10);
    expect(fired).toEqual([10]);
  });

  it('never fires a cleared timer', () => {
    const clock = new FakeClock(0);
    let fired = false;
    clock.clearTimeout(clock.setTimeout(() => (fired = true), 1));
    clock.advance(5);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('lets async work started by a timer schedule follow-up timers during advanceAsync', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => clock.setTimeout(() => fired.push(clock.now()), 10));
    }, 10);
    await clock.advanceAsync(30);
    expect(fired).toEqual([20]);
  });
});
