/**
 * The one error a command throws on purpose: a message for a person (one or more lines, printed after `poseidon: `)
 * and the exit code. Anything else that escapes a command is printed the same way with exit code 1.
 */

/** A failure the user can act on. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Exit codes of `diff` and `sync` (and `apply --dry-run`'s plan): 0 nothing to change, 2 changes, 1 an error. */
export const EXIT_CHANGES = 2;
