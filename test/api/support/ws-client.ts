/**
 * A WebSocket client for the API suite (the `ws` library, as CodeOcean's Faye client behaves: token header, text
 * frames, no pings). It records every frame and the close, and can wait for messages.
 */
import WebSocket from 'ws';
import { eventually } from '../../support/eventually';

/** A message as received (parsed JSON), with whether it came as a text frame. */
export interface ReceivedMessage {
  readonly type: string;
  readonly data?: unknown;
  readonly [key: string]: unknown;
}

/** The end of a connection. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A connected execution socket. */
export interface ExecutionSocket {
  readonly messages: ReceivedMessage[];
  /** True when a binary frame or invalid JSON arrived (never allowed). */
  readonly protocolViolations: string[];
  readonly closed: Promise<Closed>;
  send(text: string): void;
  sendBinary(data: Buffer): void;
  close(code?: number): void;
  /** Waits until a message satisfies `predicate`. */
  waitFor(predicate: (message: ReceivedMessage) => boolean, timeoutMs?: number): Promise<ReceivedMessage>;
  /** Concatenated `data` of the stdout (or stderr) messages so far. */
  output(stream?: 'stdout' | 'stderr'): string;
}

/** A rejected upgrade. */
export interface RejectedUpgrade {
  readonly status: number;
  readonly body: string;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  readonly token?: string | null;
  readonly headers?: Record<string, string>;
  readonly ca?: Buffer;
}

function headersOf(token: string | null | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(token ? { 'Poseidon-Token': token } : {}), ...extra };
}

/** Opens `url`; resolves with the socket, or with the status and body of a rejected upgrade. */
export function connect(url: string, options: ConnectOptions = {}): Promise<ExecutionSocket | RejectedUpgrade> {
  const socket = new WebSocket(url, {
    headers: headersOf(options.token, options.headers),
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const messages: ReceivedMessage[] = [];
  const protocolViolations: string[] = [];
  socket.on('message', (data, isBinary) => {
    if (isBinary) return protocolViolations.push('binary frame');
    try {
      messages.push(JSON.parse(data.toString()) as ReceivedMessage);
    } catch {
      protocolViolations.push(`invalid JSON: ${data.toString()}`);
    }
  });
  const closed = new Promise<Closed>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(wrap(socket, messages, protocolViolations, closed)));
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    socket.once('error', (error) => reject(error));
  });
}

function wrap(
  socket: WebSocket,
  messages: ReceivedMessage[],
  protocolViolations: string[],
  closed: Promise<Closed>,
): ExecutionSocket {
  return {
    messages,
    protocolViolations,
    closed,
    send: (text) => socket.send(text),
    sendBinary: (data) => socket.send(data, { binary: true }),
    close: (code = 1000) => socket.close(code),
    waitFor: (predicate, timeoutMs = 5000) =>
      eventually(
        () => {
          const found = messages.find(predicate);
          if (!found) throw new Error(`no such message yet; got ${JSON.stringify(messages)}`);
          return found;
        },
        { timeoutMs },
      ),
    output: (stream = 'stdout') =>
      messages
        .filter((message) => message.type === stream)
        .map((message) => String(message.data))
        .join(''),
  };
}

/** True when `value` is a connected socket (not a rejected upgrade). */
export function isSocket(value: ExecutionSocket | RejectedUpgrade): value is ExecutionSocket {
  return 'messages' in value;
}
