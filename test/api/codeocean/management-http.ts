/**
 * CodeOcean's HTTP side (codeocean-client.md B.1, B.3): one persistent keep-alive connection pool shared by every
 * call (Faraday + net_http_persistent), `Content-Type: application/json` and `Poseidon-Token` on every request (GET
 * and DELETE included, without a body), no read timeout, a separate non-persistent connection for downloads, and the
 * status-to-error mapping of `handle_error`.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { RunnerError } from './runner-errors';

/** CodeOcean's `runner_management` configuration. */
export interface RunnerManagementConfig {
  /** Base URL including `/api/v1`. */
  readonly url: string;
  readonly token: string;
  /** The CA CodeOcean trusts for https. */
  readonly ca?: Buffer;
  /** Seconds; CodeOcean's default is 180. */
  readonly unusedRunnerExpirationTime: number;
}

/** A complete response. */
export interface ManagementResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Whether the request went over a kept-alive connection that had served an earlier request. */
  readonly reusedSocket: boolean;
}

/** Open timeout of CodeOcean's connection (s). There is no read timeout, on purpose. */
const OPEN_TIMEOUT_MS = 5000;

/** The persistent connection and the download connection to Poseidon. */
export class ManagementHttp {
  private readonly persistent: http.Agent;

  constructor(readonly config: RunnerManagementConfig) {
    this.persistent = this.isTls
      ? new https.Agent({ keepAlive: true, ca: config.ca })
      : new http.Agent({ keepAlive: true });
  }

  private get isTls(): boolean {
    return this.config.url.startsWith('https:');
  }

  /** A request on the persistent connection; `body` is JSON-encoded when given. */
  request(method: string, path: string, body?: unknown): Promise<ManagementResponse> {
    return new Promise((resolve, reject) => {
      const req = this.send(method, path, this.persistent, body === undefined ? undefined : JSON.stringify(body));
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            reusedSocket: req.reusedSocket,
          }),
        );
      });
      req.once('error', reject);
    });
  }

  /** A GET on a fresh, non-persistent connection whose response body is left to the caller to stream. */
  stream(path: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.send('GET', path, false);
      req.once('response', resolve);
      req.once('error', reject);
    });
  }

  private send(method: string, path: string, agent: http.Agent | false, body?: string): http.ClientRequest {
    const url = new URL(`${this.config.url.replace(/\/+$/, '')}${path}`);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Poseidon-Token': this.config.token,
    };
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const options = {
      method,
      headers,
      agent,
      timeout: OPEN_TIMEOUT_MS,
      ...(this.config.ca ? { ca: this.config.ca } : {}),
    };
    const req = (this.isTls ? https : http).request(url, options);
    // The open timeout only: once connected, CodeOcean waits as long as the server takes.
    req.once('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => req.setTimeout(0));
      else req.setTimeout(0);
    });
    req.once('timeout', () => req.destroy(new Error('open timeout')));
    req.end(body);
    return req;
  }

  /** Closes the persistent connections. */
  close(): void {
    this.persistent.destroy();
  }
}

function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function messageOf(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const message = (parsed as Record<string, unknown>).message;
  return typeof message === 'string' ? message : undefined;
}

/** CodeOcean's `handle_error`: the error a non-success response raises. */
export function handleError(response: ManagementResponse): RunnerError {
  const text = response.body.toString('utf8');
  const parsed = jsonOf(response.body);
  switch (response.status) {
    case 400: {
      const message = messageOf(parsed);
      return message === undefined
        ? new RunnerError('UnexpectedResponse', `400 without a JSON message: ${text}`, 400)
        : new RunnerError('BadRequest', message, 400);
    }
    case 401:
      return new RunnerError('Unauthorized', 'authentication failed', 401);
    case 410:
      return new RunnerError('RunnerNotFound', messageOf(parsed) ?? 'runner gone', 410);
    case 500: {
      if (typeof parsed !== 'object' || parsed === null) {
        return new RunnerError('UnexpectedResponse', `500 without JSON: ${text}`, 500);
      }
      const errorCode = (parsed as Record<string, unknown>).errorCode;
      return errorCode === 'NOMAD_OVERLOAD'
        ? new RunnerError('NotAvailable', 'no runner available', 500)
        : new RunnerError('InternalServerError', `${String(errorCode)}: ${messageOf(parsed) ?? text}`, 500);
    }
    default:
      return new RunnerError('UnexpectedResponse', `status ${response.status}: ${text}`, response.status);
  }
}

/** The body parsed as JSON, or `UnexpectedResponse`. */
export function parseJson(response: ManagementResponse): unknown {
  const parsed = jsonOf(response.body);
  if (parsed === undefined) {
    throw new RunnerError('UnexpectedResponse', `not JSON: ${response.body.toString('utf8')}`, response.status);
  }
  return parsed;
}
