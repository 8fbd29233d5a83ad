import { parseSelector } from './label-selector';

describe('parseSelector', () => {
  it('matches equality, inequality, presence and absence terms, all of them', () => {
    const labels = { team: 'python', tier: 'prod' };
    expect(parseSelector('team=python')(labels)).toBe(true);
    expect(parseSelector('team==python,tier=prod')(labels)).toBe(true);
    expect(parseSelector('team=python,tier=beta')(labels)).toBe(false);
    expect(parseSelector('tier!=beta')(labels)).toBe(true);
    expect(parseSelector('tier!=beta')(undefined)).toBe(true);
    expect(parseSelector('team')(labels)).toBe(true);
    expect(parseSelector('!legacy')(labels)).toBe(true);
    expect(parseSelector('!team')(labels)).toBe(false);
    expect(parseSelector('')(undefined)).toBe(true);
    expect(parseSelector('poseidon.openhpi.de/adopted=true')({ 'poseidon.openhpi.de/adopted': 'true' })).toBe(true);
  });

  it('rejects malformed terms with the term in the message', () => {
    expect(() => parseSelector('=x')).toThrow('--selector: cannot parse "=x"');
    expect(() => parseSelector('!a=b')).toThrow('cannot parse "!a=b"');
    expect(() => parseSelector('a b=c')).toThrow('cannot parse "a b=c"');
  });
});
