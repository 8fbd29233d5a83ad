/**
 * The common shape of a started sandbox process, whichever way its stdio is wired (PTY or pipes).
 */
import { finished, Readable, type Writable } from 'node:stream';

/** A started sandbox process. */
export interface SpawnedProcess {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves with the bash-style exit status once the process exited (its output may still be flowing). */
  readonly exit: Promise<number>;
  /** Resolves with the bash-style exit status once the process exited and stdout/stderr have ended. */
  readonly finished: Promise<number>;
  /** SIGKILLs the sandbox (its pid namespace, and with it every process inside, dies). Idempotent. */
  kill(): void;
}

/** A Readable that has already ended (stderr merged into stdout). */
export function endedReadable(): Readable {
  const stream = new Readable({ read: () => undefined });
  stream.push(null);
  return stream;
}

/** Resolves when `stream` has ended, errored or was destroyed (never rejects). */
export function streamDone(stream: Readable): Promise<void> {
  return new Promise((resolve) => finished(stream, () => resolve()));
}
