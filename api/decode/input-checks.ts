/**
 * Checks of values no program can receive, made before anything runs so a bad request changes nothing: a NUL byte
 * cannot be part of a path, an argument or an environment entry (the kernel ends strings there: a file would be
 * written under a truncated name, a command would not start); an environment variable name cannot be empty or
 * contain `=`; a file copy cannot target a directory path (`.`, `/`, `..`). Each failure is a 400 naming the value.
 */
import { PoseidonError } from '../../crds/errors';
import { cleanPath } from '../files/clean-path';

function invalid(message: string): PoseidonError {
  return new PoseidonError('Invalid', message);
}

/** Throws `Invalid` when `value` contains a NUL byte. `what` names the value in the message. */
export function rejectNul(value: string, what: string): void {
  if (value.includes('\0')) throw invalid(`${what} must not contain NUL characters: ${JSON.stringify(value)}`);
}

/** Throws `Invalid` for an environment variable that no process can receive. */
export function checkEnvironmentVariable(name: string, value: string): void {
  if (name === '' || name.includes('=')) {
    throw invalid(`environment variable name ${JSON.stringify(name)} must be non-empty and must not contain '='`);
  }
  rejectNul(name, 'an environment variable name');
  rejectNul(value, `environment variable ${name}`);
}

/**
 * Throws `Invalid` for a copy path that cannot name a file: a NUL byte, or (without a trailing `/`, which makes it a
 * directory entry) a path that cleans to `.`, `/` or ends in `..`.
 */
export function checkCopyPath(path: string): void {
  rejectNul(path, 'a copy path');
  if (path.endsWith('/')) return;
  const cleaned = cleanPath(path);
  if (cleaned === '.' || cleaned === '/' || cleaned === '..' || cleaned.endsWith('/..')) {
    throw invalid(`copy path ${JSON.stringify(path)} names a directory, not a file (end it with / for a directory)`);
  }
}
