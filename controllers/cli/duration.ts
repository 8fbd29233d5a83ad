/**
 * Durations on the command line: `90s`, `5m`, `1h`, `250ms`, or a plain number of seconds.
 */
import { CliError } from './cli-error';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `text` into milliseconds; throws a {@link CliError} naming `option` when it is not a duration. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const unit = UNIT_MS[match?.[2] ?? 's'];
  if (!match || unit === undefined) {
    throw new CliError(`${option}: ${JSON.stringify(text)} is not a duration (examples: 90s, 5m, 1h, 300)`);
  }
  return Math.round(Number(match[1]) * unit);
}

/** Shows milliseconds the way {@link parseDuration} reads them, in the largest whole unit (`5m`, `90s`). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A short age: `45s`, `12m`, `5h`, `3d` (what `get` and `describe` show). */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
