import { lenientBool, parseGoBool } from './go-parse-bool';
import { isIdSegment, parsePathId } from './path-id';

describe('Go-style query and path parameters', () => {
  it('parses exactly the spellings strconv.ParseBool accepts', () => {
    for (const text of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseGoBool(text)).toBe(true);
    for (const text of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseGoBool(text)).toBe(false);
    for (const text of ['', 'yes', 'tRUE', ' true', '2']) expect(parseGoBool(text)).toBeUndefined();
  });

  it('falls back for absent or unparsable lenient booleans', () => {
    expect(lenientBool(undefined, true)).toBe(true);
    expect(lenientBool('nope', true)).toBe(true);
    expect(lenientBool('false', true)).toBe(false);
  });

  it('matches only digits as ids and rejects ids beyond the environment range', () => {
    expect(['0', '007', '42'].map(isIdSegment)).toEqual([true, true, true]);
    expect(['', '-1', '1a', '+1', '1.0'].map(isIdSegment)).toEqual([false, false, false, false, false]);
    expect(parsePathId('007')).toBe(7);
    expect(parsePathId('2147483647')).toBe(2147483647);
    expect(() => parsePathId('2147483648')).toThrow('value out of range');
    expect(() => parsePathId('99999999999999999999999')).toThrow('value out of range');
  });
});
