/**
 * Where a command's input and output go: the process's streams in production, captured buffers in tests (so
 * `main(argv, io)` runs in-process). Commands never touch `process.stdout`, `process.env` or `process.exitCode`.
 */

/** A text sink. `isTTY` switches progress displays to in-place updates. */
export interface CliOutput {
  write(text: string): void;
  readonly isTTY?: boolean;
}

/** The outside world of one CLI run. */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Reads all of standard input (for `-f -`). */
  readStdin(): Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One run of the command line: its world and the exit code its command decided on. */
export interface CliContext {
  readonly io: CliIo;
  /** 0 unless a command sets it; an error thrown out of a command means 1. */
  exitCode: number;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: { write: (text) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true },
    stderr: { write: (text) => void process.stderr.write(text), isTTY: process.stderr.isTTY === true },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
  };
}
