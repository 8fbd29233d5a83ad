/**
 * The runner errors CodeOcean's Poseidon strategy raises (codeocean-client.md B.3), as one class with a `kind`, so a
 * flow can branch the way CodeOcean's `rescue` clauses do. `kind` names follow CodeOcean's `Runner::Error::*`.
 */

/** Every error the re-enacted client raises. */
export type RunnerErrorKind =
  | 'BadRequest'
  | 'Unauthorized'
  | 'RunnerNotFound'
  | 'NotAvailable'
  | 'InternalServerError'
  | 'UnexpectedResponse'
  | 'EnvironmentNotFound'
  | 'WorkspaceError'
  | 'ExecutionTimeout'
  | 'OutOfMemory'
  | 'TerminatedByClient'
  | 'Unknown';

/** A failed call, with the status and body that caused it when there was one. */
export class RunnerError extends Error {
  constructor(
    readonly kind: RunnerErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(`${kind}: ${message}`);
    this.name = 'RunnerError';
  }
}

/** True when `error` is a {@link RunnerError} of `kind`. */
export function isRunnerError(error: unknown, kind?: RunnerErrorKind): error is RunnerError {
  return error instanceof RunnerError && (kind === undefined || error.kind === kind);
}

/** What CodeOcean shows the learner for an error (B.3, last bullet). */
export function userFacingStatus(error: unknown): 'timeout' | 'out_of_memory' | 'container_depleted' {
  if (isRunnerError(error, 'ExecutionTimeout')) return 'timeout';
  if (isRunnerError(error, 'OutOfMemory')) return 'out_of_memory';
  return 'container_depleted';
}
