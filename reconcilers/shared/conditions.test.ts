import { mergeConditions } from './conditions';

describe('mergeConditions', () => {
  const earlier = '2025-01-01T00:00:00.000Z';
  const now = '2025-01-02T00:00:00.000Z';
  const existing = [{ type: 'Ready', status: 'True' as const, reason: 'A', message: 'a', lastTransitionTime: earlier }];

  it('keeps the transition time when only reason or message change', () => {
    const [ready] = mergeConditions(existing, [{ type: 'Ready', status: 'True', reason: 'B', message: 'b' }], now);
    expect(ready).toEqual({ type: 'Ready', status: 'True', reason: 'B', message: 'b', lastTransitionTime: earlier });
  });

  it('stamps the transition time when the status flips or the condition is new', () => {
    const merged = mergeConditions(
      existing,
      [
        { type: 'Ready', status: 'False', reason: 'B', message: 'b' },
        { type: 'Degraded', status: 'False', reason: 'C', message: 'c' },
      ],
      now,
    );
    expect(merged.map((c) => c.lastTransitionTime)).toEqual([now, now]);
  });
});
