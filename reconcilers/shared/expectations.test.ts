import { Expectations } from './expectations';

describe('Expectations', () => {
  it('keeps a write pending until the cache shows it', () => {
    const expectations = new Expectations(1000);
    expectations.expect('env-1', 'a', 0);
    expectations.expect('env-1', 'b', 0);
    const seen = new Set(['a']);
    expect(expectations.pending('env-1', 10, (item) => seen.has(item))).toEqual({
      items: ['b'],
      expired: [],
      nextExpiry: 1000,
    });
    seen.add('b');
    expect(expectations.pending('env-1', 20, (item) => seen.has(item)).items).toEqual([]);
    expect(expectations.size).toBe(0);
  });

  it('lets an unobserved write expire so a lost event cannot wedge the scope', () => {
    const expectations = new Expectations(100);
    expectations.expect('s', 'lost', 0);
    expect(expectations.pending('s', 99, () => false).items).toEqual(['lost']);
    expect(expectations.pending('s', 100, () => false)).toEqual({
      items: [],
      expired: ['lost'],
      nextExpiry: undefined,
    });
    expect(expectations.pending('s', 101, () => false).expired).toEqual([]);
  });

  it('keeps scopes apart and forgets a scope on request', () => {
    const expectations = new Expectations(100);
    expectations.expect('a', 'x', 0);
    expectations.expect('b', 'x', 0);
    expectations.forget('a');
    expect(expectations.pending('a', 1, () => false).items).toEqual([]);
    expect(expectations.pending('b', 1, () => false).items).toEqual(['x']);
  });
});
