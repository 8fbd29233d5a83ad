/**
 * The service's logger factory. There is no module-level logger anywhere: the composition root creates one with
 * {@link createLogger} and passes it (or children of it) down.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { PoseidonError } from '../crds/errors';

/** Level names pino knows. */
export type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const PINO_LEVELS: ReadonlySet<string> = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
/** Go (logrus) names that differ from pino's. */
const GO_ALIASES: Readonly<Record<string, PinoLevel>> = { warning: 'warn', panic: 'fatal' };

/** Where log lines go: a writable stream with a TTY flag (like `process.stdout`) or a pino destination. */
export type LogDestination = (DestinationStream | NodeJS.WritableStream) & { isTTY?: boolean };

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Go's (`DEBUG`, `Warning`, `panic`, ...) or pino's level names, any case. */
  level: string;
  /** Readable lines instead of JSON. Default: only when the destination is a terminal. */
  pretty?: boolean;
  /** Default: `process.stdout`. */
  destination?: LogDestination;
  /** Fields bound to every line (for example `{ service: 'poseidon' }`). */
  base?: Record<string, unknown>;
}

/**
 * Maps a Go or pino level name (any case, surrounding spaces ignored) to pino's name.
 * @throws PoseidonError `Invalid` for an unknown name.
 */
export function normalizeLogLevel(name: string): PinoLevel {
  const lower = name.trim().toLowerCase();
  if (PINO_LEVELS.has(lower)) return lower as PinoLevel;
  const alias = GO_ALIASES[lower];
  if (alias) return alias;
  throw new PoseidonError(
    'Invalid',
    `unknown log level ${JSON.stringify(name)}: use trace, debug, info, warn, error or fatal`,
  );
}

/**
 * Maps the original's `logger.formatter` to the `pretty` option: `JSONFormatter` -> false, `TextFormatter` -> true,
 * empty -> undefined (readable only on a terminal).
 */
export function prettyFromFormatter(formatter: string): boolean | undefined {
  if (formatter === 'JSONFormatter') return false;
  if (formatter === 'TextFormatter') return true;
  return undefined;
}

/**
 * Creates a pino logger writing JSON lines, or readable lines through pino-pretty used as a stream in this thread
 * (no worker transport). Secrets under `token` keys and token headers are redacted.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = normalizeLogLevel(options.level);
  const destination: LogDestination = options.destination ?? process.stdout;
  const pretty = options.pretty ?? destination.isTTY === true;
  const stream: DestinationStream = pretty
    ? pinoPretty({
        destination: destination as NodeJS.WritableStream,
        colorize: destination.isTTY === true,
        sync: true,
        translateTime: 'SYS:standard',
        ignore: 'pid,hostname',
      })
    : (destination as DestinationStream);
  return pino(
    {
      level,
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'token',
          '*.token',
          'headers["poseidon-token"]',
          '*.headers["poseidon-token"]',
          '*.headers["x-nomad-token"]',
        ],
        censor: '[redacted]',
      },
    },
    stream,
  );
}
