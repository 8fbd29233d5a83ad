import type { EnvironmentStatusView } from '../../api/ports';
import { waitUntilWarm } from './wait-warm';

function view(
  name: string,
  idle: number,
  desired: number,
  ready: 'True' | 'False',
  observed = 1,
): EnvironmentStatusView {
  return {
    name,
    environmentId: 1,
    generation: 1,
    resourceVersion: '1',
    observedGeneration: observed,
    templateRevision: 'r',
    conditions: [
      {
        type: 'Ready',
        status: ready,
        reason: ready === 'True' ? 'PoolReady' : 'PoolFilling',
        message: 'm',
        lastTransitionTime: 't',
      },
    ],
    pool: { desired, idle, used: 0 },
    warm: ready === 'True' && idle >= desired && observed >= 1,
    events: [],
  };
}

/** A clock advanced only by the waiter's sleeps, and a status sequence per environment. */
function world(sequences: Record<string, (EnvironmentStatusView | undefined)[]>) {
  let now = 0;
  const client = {
    status: async (name: string) => {
      const sequence = sequences[name] ?? [];
      return sequence.length > 1 ? sequence.shift() : sequence[0];
    },
  };
  return { client, now: () => now, sleep: async (ms: number) => void (now += ms) };
}

function output(isTTY: boolean) {
  let text = '';
  return { out: { isTTY, write: (chunk: string) => void (text += chunk) }, text: () => text };
}

describe('waitUntilWarm', () => {
  it('prints a line per change of the figures and one per environment that became warm', async () => {
    const { client, now, sleep } = world({
      a: [view('a', 0, 2, 'False'), view('a', 1, 2, 'False'), view('a', 1, 2, 'False'), view('a', 2, 2, 'True')],
      b: [view('b', 1, 1, 'True')],
    });
    const { out, text } = output(false);
    await waitUntilWarm(client, ['a', 'b'], out, { timeoutMs: 10_000, now, sleep });
    expect(text()).toBe(
      [
        'executionenvironment/b warm (1/1 idle runners)',
        'waiting for a 0/2',
        'waiting for a 1/2',
        'executionenvironment/a warm (2/2 idle runners)',
        '',
      ].join('\n'),
    );
  });

  it('updates one line in place on a terminal', async () => {
    const { client, now, sleep } = world({ a: [view('a', 0, 1, 'False'), view('a', 1, 1, 'True')] });
    const { out, text } = output(true);
    await waitUntilWarm(client, ['a'], out, { timeoutMs: 10_000, now, sleep });
    expect(text()).toBe('\r\x1b[2Kwaiting for a 0/1\nexecutionenvironment/a warm (1/1 idle runners)\n');
  });

  it('times out with the figures and the Ready condition, or the unobserved generation', async () => {
    const { client, now, sleep } = world({ a: [view('a', 1, 3, 'False')], b: [view('b', 0, 1, 'False', 0)] });
    await expect(waitUntilWarm(client, ['a', 'b'], output(false).out, { timeoutMs: 1000, now, sleep })).rejects.toThrow(
      'timed out after 1s waiting for warm pools:\n' +
        '  executionenvironment/a: 1/3 idle runners; Ready=False PoolFilling: m\n' +
        '  executionenvironment/b: 0/1 idle runners; the controller has not processed generation 1 yet',
    );
    expect(now()).toBe(1000);
  });

  it('fails when an environment is deleted while waiting', async () => {
    const { client, now, sleep } = world({ a: [view('a', 0, 1, 'False'), undefined] });
    await expect(waitUntilWarm(client, ['a'], output(false).out, { timeoutMs: 10_000, now, sleep })).rejects.toThrow(
      'executionenvironment/a was deleted while waiting for it',
    );
  });
});
