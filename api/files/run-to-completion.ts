/**
 * Runs a non-interactive program in a runner with a given stdin and collects its output (bounded), for operations
 * whose result is only known at the end (the PATCH's rm + tar).
 */
import type { Readable } from 'node:stream';
import type { ExecPort, ExecRequest } from '../../reconcilers/ports';

/** What a finished program left. */
export interface CompletedRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Output kept per stream; the rest is dropped (it only ends up in an error message). */
const OUTPUT_CAP = 64 * 1024;

function collect(stream: Readable): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    if (size >= OUTPUT_CAP) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  return () => new TextDecoder('utf-8').decode(Buffer.concat(chunks).subarray(0, OUTPUT_CAP));
}

/**
 * Starts `request` (tty forced off), writes `input` to its stdin and closes it, and resolves once it ended. Rejects
 * with the ExecPort's errors (`RunnerGone`, `BackendUnavailable`).
 */
export async function runToCompletion(
  exec: ExecPort,
  request: Omit<ExecRequest, 'tty'>,
  input: Buffer = Buffer.alloc(0),
): Promise<CompletedRun> {
  const process = await exec.exec({ ...request, tty: false });
  const stdout = collect(process.stdout);
  const stderr = collect(process.stderr);
  // A program that exits without reading all of its input must not turn into an EPIPE error here.
  process.stdin.on('error', () => undefined);
  process.stdin.end(input);
  const { exitCode } = await process.exited;
  return { exitCode, stdout: stdout(), stderr: stderr() };
}
