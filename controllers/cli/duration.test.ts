import { formatAge, formatDuration, parseDuration } from './duration';

describe('durations', () => {
  it('parses units and plain seconds', () => {
    expect(parseDuration('250ms', '--timeout')).toBe(250);
    expect(parseDuration('90s', '--timeout')).toBe(90_000);
    expect(parseDuration('5m', '--timeout')).toBe(300_000);
    expect(parseDuration('1.5h', '--timeout')).toBe(5_400_000);
    expect(parseDuration('300', '--timeout')).toBe(300_000);
    expect(parseDuration('0', '--timeout')).toBe(0);
  });

  it('rejects anything else, naming the option', () => {
    for (const bad of ['', '5 minutes', '-1s', '1d', 'm']) {
      expect(() => parseDuration(bad, '--timeout')).toThrow(/^--timeout: .* is not a duration/);
    }
  });

  it('formats in the largest whole unit, and ages coarsely', () => {
    expect([formatDuration(300_000), formatDuration(90_000), formatDuration(0), formatDuration(1500)]).toEqual([
      '5m',
      '90s',
      '0s',
      '1500ms',
    ]);
    expect([
      formatAge(-5),
      formatAge(59_000),
      formatAge(600_000),
      formatAge(7_200_000),
      formatAge(3 * 86_400_000),
    ]).toEqual(['0s', '59s', '10m', '2h', '3d']);
  });
});
