/**
 * Exit statuses as bash reports them: the exit code of a program that exited, 128+N for one killed by signal N.
 */
import { constants } from 'node:os';

/** The bash-style status for an exit `code` or a terminating `signal` (name or number). */
export function exitStatus(code: number | null, signal: NodeJS.Signals | number | null | undefined): number {
  if (typeof signal === 'number' && signal > 0) return 128 + signal;
  if (typeof signal === 'string') return 128 + (constants.signals[signal] ?? 0);
  return code ?? 0;
}
