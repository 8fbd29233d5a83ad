/**
 * A small HTTP client for the API suite over node:http(s), so requests are exactly what the test says (any method,
 * HEAD, a body on GET, a chosen Host header, raw bytes) and responses are complete (status, headers, raw body).
 * Connections are kept alive per client, like CodeOcean's; `close()` destroys them.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

/** A complete response. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** The body parsed as JSON (throws when it is not). */
  json<T = unknown>(): T;
}

/** Options of one request. */
export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** The token to send; `null` sends none; default: the client's token. */
  readonly token?: string | null;
}

/** A client for one base URL (`http(s)://host:port`). */
export class ApiClient {
  private readonly agent: http.Agent;

  constructor(
    readonly baseUrl: string,
    readonly token: string,
    private readonly tls: https.AgentOptions = {},
  ) {
    this.agent = baseUrl.startsWith('https:')
      ? new https.Agent({ keepAlive: true, ...tls })
      : new http.Agent({ keepAlive: true });
  }

  /** Sends a request to `path` (which starts with `/`). */
  request(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const url = new URL(path, this.baseUrl);
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { ...(token ? { 'Poseidon-Token': token } : {}), ...options.headers };
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    if (body) headers['Content-Length'] = String(body.length);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method: options.method ?? 'GET', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = raw.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw, text, json: () => JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A JSON request (sets `Content-Type: application/json` like CodeOcean does on every request). */
  send(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.request(path, {
      ...options,
      method,
      headers: { 'Content-Type': 'application/json', ...options.headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
