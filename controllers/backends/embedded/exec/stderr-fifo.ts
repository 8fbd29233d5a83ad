/**
 * Separate stderr for PTY executions, the way the original does it: stderr goes to a FIFO (created here under the
 * state directory's `run/` and bound into the sandbox), and is read by the service. The service holds a write end
 * open itself until the process has exited, so the reader neither sees EOF before the program opened the FIFO nor
 * blocks a thread; after the exit it closes that end and the stream ends once the FIFO is drained. Line endings
 * become `\r\n`, as the original's second PTY produced them. The FIFO is removed afterwards.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, promises as fs } from 'node:fs';
import { Socket } from 'node:net';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A FIFO for one execution's stderr. */
export interface StderrFifo {
  /** Host path (bound into the sandbox). */
  readonly path: string;
  /** stderr with `\r\n` line endings. */
  readonly stream: Readable;
  /** Call once the process has exited: lets the stream end after the remaining data. */
  release(): void;
  /** Releases and deletes the FIFO. */
  remove(): Promise<void>;
}

/** `\n` -> `\r\n`, as a terminal's output processing (onlcr) does. */
export function crlf(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const parts: Buffer[] = [];
      let start = 0;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        parts.push(chunk.subarray(start, i), Buffer.from('\r\n'));
        start = i + 1;
      }
      parts.push(chunk.subarray(start));
      callback(null, Buffer.concat(parts));
    },
  });
}

/** Opens an existing FIFO for reading, holding a write end until {@link StderrFifo.release}. */
function openFifo(fifo: string): StderrFifo {
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  let writer: number | undefined = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  const socket = new Socket({ fd: reader, readable: true, writable: false });
  const stream = socket.pipe(crlf());
  socket.on('error', (error) => stream.destroy(error));
  const release = (): void => {
    if (writer === undefined) return;
    closeSync(writer);
    writer = undefined;
  };
  return {
    path: fifo,
    stream,
    release,
    remove: async () => {
      release();
      await fs.rm(fifo, { force: true });
    },
  };
}

/** Creates the FIFO `run/<name>.stderr` and opens it for reading. */
export async function createStderrFifo(runDir: string, name: string): Promise<StderrFifo> {
  const fifo = path.join(runDir, `${name}.stderr`);
  await run('/usr/bin/mkfifo', ['-m', '0600', '--', fifo]);
  return openFifo(fifo);
}

/**
 * A few FIFOs made ahead of time, so an interactive execution does not wait for a `mkfifo` process (forking a large
 * service costs tens of milliseconds): one `mkfifo` call refills the whole batch in the background.
 */
export class StderrFifos {
  private readonly ready: string[] = [];
  private refilling: Promise<void> | undefined;

  constructor(
    private readonly runDir: string,
    private readonly newName: () => string,
    private readonly batch = 8,
  ) {}

  /** A fresh FIFO, opened for reading. */
  async take(): Promise<StderrFifo> {
    const fifo = this.ready.pop();
    if (this.ready.length < this.batch / 2) void this.refill().catch(() => undefined);
    if (fifo) return openFifo(fifo);
    return createStderrFifo(this.runDir, this.newName());
  }

  private refill(): Promise<void> {
    this.refilling ??= (async () => {
      const paths = Array.from({ length: this.batch }, () => path.join(this.runDir, `${this.newName()}.stderr`));
      await run('/usr/bin/mkfifo', ['-m', '0600', '--', ...paths]);
      this.ready.push(...paths);
    })().finally(() => {
      this.refilling = undefined;
    });
    return this.refilling;
  }
}
