import type { BackendEvent } from '../../../../reconcilers/ports';
import { EventLog } from './event-log';

function evaluation(index: number): BackendEvent {
  return { topic: 'Evaluation', type: 'EvaluationUpdated', index, key: `e${index}`, jobId: 'j', status: 'complete' };
}

function logWith(capacity: number, bootIndex = 0): { log: EventLog; publish: (n: number) => void } {
  let index = bootIndex;
  const log = new EventLog(capacity, () => index, bootIndex);
  return {
    log,
    publish: (n) => {
      for (let i = 0; i < n; i++) {
        index += 1;
        log.publish(index, [evaluation(index)]);
      }
    },
  };
}

async function take(iterable: AsyncIterable<readonly BackendEvent[]>, count: number): Promise<number[]> {
  const indexes: number[] = [];
  for await (const batch of iterable) {
    indexes.push(...batch.map((event) => event.index));
    if (indexes.length >= count) break;
  }
  return indexes;
}

describe('EventLog', () => {
  it('replays buffered batches after fromIndex, then streams live ones', async () => {
    const { log, publish } = logWith(10);
    publish(3);
    const controller = new AbortController();
    const stream = log.stream(1, controller.signal);
    const received = take(stream, 4);
    publish(2);
    expect(await received).toEqual([2, 3, 4, 5]);
    expect(log.openStreams).toBe(0);
  });

  it('starts at the current index when fromIndex is 0', async () => {
    const { log, publish } = logWith(10);
    publish(3);
    const stream = log.stream(0, new AbortController().signal);
    const received = take(stream, 1);
    publish(1);
    expect(await received).toEqual([4]);
  });

  it('reports a gap for an index older than the buffer', async () => {
    const { log, publish } = logWith(2);
    publish(5);
    await expect(take(log.stream(2, new AbortController().signal), 1)).rejects.toMatchObject({
      code: 'Conflict',
      details: { reason: 'gap' },
    });
    expect(await take(log.stream(3, new AbortController().signal), 2)).toEqual([4, 5]);
  });

  it('reports a gap for an index from before a restart and for one ahead of the backend', async () => {
    const { log } = logWith(10, 1000);
    await expect(take(log.stream(999, new AbortController().signal), 1)).rejects.toMatchObject({
      details: { reason: 'gap' },
    });
    await expect(take(log.stream(1001, new AbortController().signal), 1)).rejects.toMatchObject({
      details: { reason: 'gap' },
    });
  });

  it('ends the iteration when the signal aborts', async () => {
    const { log } = logWith(10);
    const controller = new AbortController();
    const done = take(log.stream(0, controller.signal), 1);
    controller.abort();
    expect(await done).toEqual([]);
    expect(log.openStreams).toBe(0);
  });

  it('drops a consumer that falls further behind than the buffer with the gap error', async () => {
    const { log, publish } = logWith(3);
    const stream = log.stream(0, new AbortController().signal);
    publish(5);
    await expect(take(stream, 10)).rejects.toMatchObject({ details: { reason: 'gap' } });
  });

  it('breaks every stream with the given error', async () => {
    const { log } = logWith(3);
    const done = take(log.stream(0, new AbortController().signal), 1);
    log.breakAll(new Error('stopped'));
    await expect(done).rejects.toThrow('stopped');
  });
});
