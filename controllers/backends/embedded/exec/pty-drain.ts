/**
 * Loss-free end of PTY output. When the last process holding a PTY's terminal side exits, Linux hangs the PTY up and
 * the service's reads may get EIO before the kernel has passed on the last output (its flush runs on a worker
 * thread, late under load). So the service holds the terminal side open itself; once the program's process is gone
 * it writes a random marker there, which arrives after everything the program wrote; when the marker is read, the
 * terminal side is closed and the output ends: all of it, in order, without waiting on a timer.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, write } from 'node:fs';

const WATCH_MS = 10;
const GIVE_UP_MS = 5000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Filters a PTY's output up to the end marker; see the module comment. */
export class PtyDrain {
  private holder: number | undefined;
  private readonly marker = Buffer.from(randomBytes(12).toString('hex'));
  private watch: NodeJS.Timeout | undefined;
  private giveUp: NodeJS.Timeout | undefined;
  private armed = false;
  private tail: Buffer = Buffer.alloc(0);

  /**
   * @param terminalPath the PTY's terminal side (e.g. /dev/pts/3); without it the drain does nothing
   * @param pid the process whose exit ends the output
   */
  constructor(terminalPath: string | undefined, pid: number) {
    if (!terminalPath) return;
    try {
      this.holder = openSync(terminalPath, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    } catch {
      return;
    }
    this.watch = setInterval(() => {
      if (alive(pid)) return;
      clearInterval(this.watch);
      this.armed = true;
      this.writeMarker();
      this.giveUp = setTimeout(() => this.release(), GIVE_UP_MS).unref();
    }, WATCH_MS).unref();
  }

  /** True once the terminal side was closed (the output ends when the kernel reports it). */
  get released(): boolean {
    return this.holder === undefined;
  }

  /** The part of `chunk` to deliver; holds back a possible partial marker and drops everything after the marker. */
  filter(chunk: Buffer): Buffer {
    if (!this.armed) return chunk;
    const data = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    const at = data.indexOf(this.marker);
    if (at >= 0) {
      this.tail = Buffer.alloc(0);
      this.release();
      return data.subarray(0, at);
    }
    const keep = Math.min(data.length, this.marker.length - 1);
    this.tail = data.subarray(data.length - keep);
    return data.subarray(0, data.length - keep);
  }

  /** Whatever was held back (when the output ends without the marker). */
  rest(): Buffer {
    const rest = this.tail;
    this.tail = Buffer.alloc(0);
    return rest;
  }

  /** Closes the terminal side (idempotent) and stops watching. */
  release(): void {
    clearInterval(this.watch);
    clearTimeout(this.giveUp);
    if (this.holder === undefined) return;
    closeSync(this.holder);
    this.holder = undefined;
  }

  private writeMarker(): void {
    if (this.holder === undefined) return;
    write(this.holder, this.marker, (error) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      // EAGAIN: the PTY is full because the consumer is slow; try again shortly.
      if (code === 'EAGAIN') setTimeout(() => this.writeMarker(), WATCH_MS).unref();
      else if (error) this.release();
    });
  }
}
