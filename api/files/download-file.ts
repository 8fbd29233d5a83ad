/**
 * `GET /runners/{id}/files/raw`: one non-interactive execution `ls -lLd ... -- "$1" && exec cat -- "$1"` (the path is
 * an argument, never part of the script). The ls line gives the type and size (of the link target for a symlink);
 * cat's bytes follow. The answer is decided before anything is sent: a missing or unreadable path or a directory is
 * `FileNotFound` (424); otherwise the body streams with an exact length. Files whose ls size is 0 (such as `/proc`
 * files) are read to the end first, so their real content and length are sent.
 */
import { Readable } from 'node:stream';
import { PoseidonError } from '../../crds/errors';
import type { ExecPort, ExecProcess } from '../../reconcilers/ports';
import { parseEntryLine } from './file-header';
import { fileNotFound } from './list-files';
import { SNIFF_BYTES, sniffContentType } from './sniff-content-type';

/** What to download. */
export interface DownloadRequest {
  readonly runnerId: string;
  readonly path: string;
  readonly privileged: boolean;
  /** Largest size-0 file read into memory before sending (the API's body limit). */
  readonly maxBufferedBytes: number;
}

/** A download that is known to succeed. */
export interface Download {
  /** Exact length of `body`. */
  readonly size: number;
  readonly contentType: string;
  readonly body: Readable;
}

const SCRIPT = 'ls -lLd --time-style=+%s --quoting-style=c -- "$1" && exec cat -- "$1"';

/** The argv of a download. */
export function downloadCommand(path: string): string[] {
  return ['bash', '-c', SCRIPT, 'poseidon-download', path];
}

/** Reads the ls line, then decides when the download can be answered. */
class DownloadReader {
  private header = Buffer.alloc(0);
  private size: number | undefined;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private body: Readable | undefined;
  private sent = 0;
  private ended = false;

  constructor(
    private readonly process: ExecProcess,
    private readonly maxBuffered: number,
    private readonly resolve: (download: Download) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    process.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    process.exited.then(
      ({ exitCode }) => this.onExit(exitCode),
      (error: unknown) => this.fail(error),
    );
  }

  private onData(chunk: Buffer): void {
    if (this.body) return this.stream(chunk);
    if (this.size === undefined) {
      this.header = Buffer.concat([this.header, chunk]);
      const newline = this.header.indexOf(0x0a);
      if (newline === -1) return;
      const entry = parseEntryLine(this.header.subarray(0, newline), '');
      if (!entry || entry.entryType === 'd') return this.fail(fileNotFound());
      this.size = entry.size;
      chunk = this.header.subarray(newline + 1);
    }
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.size > 0 && this.headBytes >= Math.min(this.size, SNIFF_BYTES)) this.commit(this.size, true);
    else if (this.headBytes > this.maxBuffered) this.fail(new PoseidonError('Internal', 'the file is too large'));
  }

  private onExit(exitCode: number): void {
    if (this.body) {
      if (!this.ended) this.fail(new Error('the file ended early'));
      return;
    }
    if (exitCode !== 0 || this.size === undefined) {
      return this.fail(
        this.headBytes === 0 ? fileNotFound() : new PoseidonError('Internal', 'reading the file failed'),
      );
    }
    this.commit(this.headBytes, false);
  }

  /** Answers: `length` bytes, starting with what was read so far. */
  private commit(length: number, streaming: boolean): void {
    const head = Buffer.concat(this.head);
    this.size = length;
    this.body = new Readable({
      highWaterMark: 1024 * 1024,
      read: () => this.process.stdout.resume(),
      destroy: (error, callback) => {
        this.process.kill();
        callback(error);
      },
    });
    this.resolve({ size: length, contentType: sniffContentType(head), body: this.body });
    this.stream(head);
    if (!streaming) this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.body?.push(null);
  }

  /** Passes body bytes on, never more than the announced length. */
  private stream(chunk: Buffer): void {
    const body = this.body as Readable;
    if (this.ended) return;
    const room = (this.size ?? 0) - this.sent;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.sent += part.length;
    if (part.length > 0 && !body.push(part)) this.process.stdout.pause();
    if (this.sent === this.size) {
      this.end();
      if (chunk.length > room) this.process.kill();
    }
  }

  private fail(error: unknown): void {
    this.process.kill();
    if (!this.body) this.reject(error);
    else if (!this.ended) this.body.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Starts a download. Resolves once the answer is known; rejects with `FileNotFound` or the ExecPort's errors. */
export async function downloadFile(exec: ExecPort, request: DownloadRequest): Promise<Download> {
  if (request.path === '') throw fileNotFound();
  const process = await exec.exec({
    jobId: request.runnerId,
    command: downloadCommand(request.path),
    env: { LC_ALL: 'C' },
    privileged: request.privileged,
    tty: false,
  });
  process.stdin.end();
  process.stderr.resume();
  return new Promise<Download>(
    (resolve, reject) => new DownloadReader(process, request.maxBufferedBytes, resolve, reject),
  );
}
