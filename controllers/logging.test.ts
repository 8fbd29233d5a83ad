import { Writable } from 'node:stream';
import { errorCodeOf } from '../crds/errors';
import { createLogger, normalizeLogLevel, prettyFromFormatter } from './logging';

/** A destination that keeps what was written. */
function capture(isTTY = false): Writable & { text(): string; isTTY: boolean } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return Object.assign(stream, { isTTY, text: () => chunks.join('') });
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('writes one JSON object per line with the level name, time and bound fields', () => {
    const out = capture();
    const logger = createLogger({ level: 'INFO', destination: out, base: { service: 'poseidon' } });
    logger.child({ controller: 'pool' }).info({ key: '12' }, 'reconciled');
    logger.debug('hidden');
    const [line, ...rest] = lines(out.text());
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'reconciled',
      controller: 'pool',
      key: '12',
      service: 'poseidon',
    });
    expect(typeof line?.time).toBe('string');
  });

  it("accepts Go's level names in any case", () => {
    const out = capture();
    const logger = createLogger({ level: 'Warning', destination: out });
    logger.info('dropped');
    logger.warn('kept');
    expect(lines(out.text()).map((l) => l.msg)).toEqual(['kept']);
  });

  it('redacts tokens in logged objects', () => {
    const out = capture();
    createLogger({ level: 'info', destination: out }).info({ config: { token: 'SECRET' } }, 'loaded');
    expect(out.text()).not.toContain('SECRET');
  });

  it('writes readable lines instead of JSON on a terminal', () => {
    const out = capture(true);
    createLogger({ level: 'debug', destination: out }).info({ key: '12' }, 'runner claimed');
    const text = out.text();
    expect(text).toContain('runner claimed');
    expect(text).toContain('INFO');
    expect(() => JSON.parse(text.split('\n')[0] ?? '')).toThrow();
  });
});

describe('normalizeLogLevel', () => {
  it('maps Go names to pino names and rejects unknown names', () => {
    expect(['DEBUG', 'info', ' Warn ', 'warning', 'ERROR', 'Fatal', 'panic'].map(normalizeLogLevel)).toEqual([
      'debug',
      'info',
      'warn',
      'warn',
      'error',
      'fatal',
      'fatal',
    ]);
    let error: unknown;
    try {
      normalizeLogLevel('loud');
    } catch (caught) {
      error = caught;
    }
    expect(errorCodeOf(error)).toBe('Invalid');
  });

  it("maps the original's formatter names to the pretty option", () => {
    expect([
      prettyFromFormatter('JSONFormatter'),
      prettyFromFormatter('TextFormatter'),
      prettyFromFormatter(''),
    ]).toEqual([false, true, undefined]);
  });
});
