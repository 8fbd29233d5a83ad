/**
 * One session of Nomad's alloc exec WebSocket (`/v1/client/allocation/:id/exec`): JSON text frames with base64 data,
 * stdin data and close, a client heartbeat `{}`, the `exited` result (`exit_code` omitted when 0), and errors as close
 * frames (1008 for 4xx-class, 1011 for 5xx-class, the message as reason). Output streams apply back-pressure by
 * pausing the socket; stdin writes complete when the frame is handed to the socket.
 */
import { Readable, Writable } from 'node:stream';
import WebSocket from 'ws';
import { PoseidonError } from '../../../crds/errors';
import { DEFAULT_TASK } from '../../../reconcilers/naming';
import { classifyNomadFailure } from './nomad-errors';
import type { NomadTransport } from './nomad-transport';
import type { NomadExecOutput } from './nomad-wire';

/** Largest stdin chunk per frame (bytes before base64). */
const STDIN_CHUNK = 32 * 1024;

/** What ended a session. */
export type ExecSocketEnd =
  | { readonly kind: 'exited'; readonly exitCode: number }
  | { readonly kind: 'error'; readonly error: PoseidonError; readonly closeCode?: number };

/** Opens one exec session. */
export function openExecSocket(
  transport: NomadTransport,
  allocationId: string,
  command: readonly string[],
  tty: boolean,
): ExecSocket {
  return new ExecSocket(transport, allocationId, command, tty);
}

/** A live exec session. */
export class ExecSocket {
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly stdin: Writable;
  /** Settles once: the exit, or why the session ended without one. Never rejects. */
  readonly ended: Promise<ExecSocketEnd>;
  private readonly socket: WebSocket;
  private readonly opened: Promise<void>;
  private settle!: (end: ExecSocketEnd) => void;
  private exit: ExecSocketEnd | undefined;
  private heartbeat: ReturnType<NomadTransport['config']['clock']['setTimeout']> | undefined;

  constructor(
    private readonly transport: NomadTransport,
    allocationId: string,
    command: readonly string[],
    tty: boolean,
  ) {
    this.ended = new Promise((resolve) => (this.settle = resolve));
    this.stdout = this.output();
    this.stderr = this.output();
    this.socket = new WebSocket(execUrl(transport, allocationId, command, tty), {
      headers: transport.headers(),
      ...transport.tls,
      perMessageDeflate: false,
      handshakeTimeout: transport.config.requestTimeoutMs,
      maxPayload: 64 * 1024 * 1024,
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      void this.ended.then(() => reject(new Error('exec session ended')));
    });
    this.opened.catch(() => undefined);
    this.stdin = this.input();
    this.listen();
  }

  /** Resizes the TTY. */
  resize(width: number, height: number): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ tty_size: { width, height } }));
  }

  /** Drops the connection at once (Nomad then cancels the exec stream). */
  terminate(reason: string): void {
    this.finish({ kind: 'error', error: new PoseidonError('BackendUnavailable', reason) });
    this.socket.terminate();
  }

  private listen(): void {
    this.socket.on('open', () => this.beat());
    this.socket.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary));
    this.socket.on('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim();
        const failure = classifyNomadFailure({ method: 'GET', path: 'exec', status: response.statusCode ?? 0, body });
        this.finish({ kind: 'error', error: failure });
        this.socket.terminate();
      });
    });
    this.socket.on('error', (error) => {
      this.finish({ kind: 'error', error: new PoseidonError('BackendUnavailable', `exec socket: ${error.message}`) });
    });
    this.socket.on('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    let frame: NomadExecOutput;
    try {
      frame = JSON.parse(data.toString('utf8')) as NomadExecOutput;
    } catch {
      return; // not a frame we know: Nomad treats unknown input as a heartbeat, and so do we
    }
    if (isBinary || typeof frame !== 'object' || frame === null) return;
    this.deliver(this.stdout, frame.stdout);
    this.deliver(this.stderr, frame.stderr);
    if (frame.exited) this.exit = { kind: 'exited', exitCode: frame.result?.exit_code ?? 0 };
    if (this.exit) {
      this.finish(this.exit);
      this.socket.terminate(); // Nomad drops the connection after `exited` anyway (1006)
    }
  }

  private deliver(stream: Readable, part: NomadExecOutput['stdout']): void {
    if (!part || stream.readableEnded || stream.destroyed) return;
    if (part.data && !stream.push(Buffer.from(part.data, 'base64'))) this.socket.pause();
    if (part.close) stream.push(null);
  }

  private onClose(code: number, reason: string): void {
    if (this.exit) return this.finish(this.exit);
    if (code === 1008 || code === 1011) {
      const status = code === 1008 ? 404 : 500;
      return this.finish({ kind: 'error', closeCode: code, error: closeError(status, reason) });
    }
    const error = new PoseidonError('BackendUnavailable', `exec connection closed (${code}) before the command exited`);
    this.finish({ kind: 'error', closeCode: code, error });
  }

  private finish(end: ExecSocketEnd): void {
    if (this.heartbeat !== undefined) this.transport.config.clock.clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    for (const stream of [this.stdout, this.stderr]) if (!stream.readableEnded) stream.push(null);
    this.settle(end);
  }

  private beat(): void {
    const { clock, execHeartbeatMs } = this.transport.config;
    this.heartbeat = clock.setTimeout(() => {
      if (this.socket.readyState !== WebSocket.OPEN) return;
      this.socket.send('{}');
      this.beat();
    }, execHeartbeatMs);
  }

  private output(): Readable {
    return new Readable({ read: () => this.socket?.resume() });
  }

  private input(): Writable {
    const send = (frame: object) =>
      new Promise<void>((resolve, reject) => {
        if (this.socket.readyState !== WebSocket.OPEN) return reject(new Error('exec session is closed'));
        this.socket.send(JSON.stringify(frame), (error) => (error ? reject(error) : resolve()));
      });
    return new Writable({
      // Input after the session ended is dropped, as a closed pipe would: the exit (or its error) is reported by
      // `ended`, and an unhandled stream error must not take the process down.
      write: (chunk: Buffer, _encoding, callback) => {
        void (async () => {
          await this.opened;
          for (let offset = 0; offset < chunk.length; offset += STDIN_CHUNK) {
            await send({ stdin: { data: chunk.subarray(offset, offset + STDIN_CHUNK).toString('base64') } });
          }
        })().then(
          () => callback(),
          () => callback(),
        );
      },
      final: (callback) => {
        void this.opened
          .then(() => send({ stdin: { close: true } }))
          .then(
            () => callback(),
            () => callback(),
          );
      },
    });
  }
}

function execUrl(transport: NomadTransport, allocationId: string, command: readonly string[], tty: boolean): string {
  const url = new URL(`/v1/client/allocation/${encodeURIComponent(allocationId)}/exec`, transport.wsBaseUrl);
  url.searchParams.set('task', DEFAULT_TASK);
  url.searchParams.set('tty', String(tty));
  url.searchParams.set('command', JSON.stringify(command));
  for (const [key, value] of Object.entries(transport.query({}))) url.searchParams.set(key, String(value));
  return url.toString();
}

function closeError(status: number, reason: string): PoseidonError {
  const gone = /unknown allocation|not running|not started|allocation .*not found|alloc not found/i.test(reason);
  if (gone) return new PoseidonError('RunnerGone', `Nomad exec: ${reason}`, { details: { reason } });
  return classifyNomadFailure({ method: 'GET', path: 'exec', status, body: reason });
}
