/**
 * The benchmarks' client of the Poseidon API: keep-alive HTTP through an undici pool (the same client the HTTP floor
 * uses, so the ratio isolates the server) and one `ws` connection per execution, as CodeOcean does. Every call
 * checks the status the contract promises and throws otherwise, so a benchmark never times failures as successes.
 */
import { Pool, type Dispatcher } from 'undici';
import WebSocket from 'ws';
import { delay, elapsedMs } from './bench-stats';

/** A claim's outcome: a runner, or the contract's "no idle runner" answer. */
export type ClaimResult = { readonly kind: 'claimed'; readonly runnerId: string } | { readonly kind: 'overload' };

/** What one execution produced. */
export interface ExecutionResult {
  readonly exitCode: number;
  readonly stdout: string;
}

/** A file to upload with PATCH /files. */
export interface UploadFile {
  readonly path: string;
  readonly content: string;
}

/** Environment fields of PUT /execution-environments/{id}. */
export interface EnvironmentBody {
  readonly image: string;
  readonly prewarmingPoolSize: number;
  readonly cpuLimit?: number;
  readonly memoryLimit?: number;
  readonly networkAccess?: boolean;
}

/** Pool statistics of one environment (GET /statistics/execution-environments). */
export interface EnvironmentStatistics {
  readonly prewarmingPoolSize: number;
  readonly idleRunners: number;
  readonly usedRunners: number;
}

/** An unexpected answer of the API. */
export class UnexpectedAnswer extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${operation}: unexpected ${status} ${body.slice(0, 300)}`);
  }
}

/** A client of one service. */
export class ApiClient {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;

  /** `connections`: keep-alive connections of the pool (one per concurrent client). */
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    connections = 8,
  ) {
    this.pool = new Pool(baseUrl, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
    this.headers = { 'content-type': 'application/json', ...(token ? { 'poseidon-token': token } : {}) };
  }

  /** PUT an environment; 201 or 204. */
  async putEnvironment(id: number, body: EnvironmentBody): Promise<void> {
    await this.call('PUT', `/api/v1/execution-environments/${id}`, body, [201, 204]);
  }

  /** Claims a runner; `overload` for the contract's 500 NOMAD_OVERLOAD. */
  async claim(environmentId: number, inactivityTimeout = 0): Promise<ClaimResult> {
    const body = JSON.stringify({ executionEnvironmentId: environmentId, inactivityTimeout });
    const res = await this.pool.request({ method: 'POST', path: '/api/v1/runners', headers: this.headers, body });
    const text = await res.body.text();
    if (res.statusCode === 200)
      return { kind: 'claimed', runnerId: (JSON.parse(text) as { runnerId: string }).runnerId };
    if (res.statusCode === 500 && text.includes('NOMAD_OVERLOAD')) return { kind: 'overload' };
    throw new UnexpectedAnswer('claim', res.statusCode, text);
  }

  /** Claims a runner or throws (also on NOMAD_OVERLOAD). */
  async claimOrThrow(environmentId: number, inactivityTimeout = 0): Promise<string> {
    const result = await this.claim(environmentId, inactivityTimeout);
    if (result.kind === 'overload') throw new UnexpectedAnswer('claim', 500, 'NOMAD_OVERLOAD');
    return result.runnerId;
  }

  /** DELETE /runners/{id}; 204. */
  async release(runnerId: string): Promise<void> {
    await this.call('DELETE', `/api/v1/runners/${runnerId}`, undefined, [204]);
  }

  /** PATCH /runners/{id}/files; 204. */
  async patchFiles(runnerId: string, files: readonly UploadFile[], deletePaths: readonly string[] = []): Promise<void> {
    const copy = files.map((file) => ({ path: file.path, content: Buffer.from(file.content).toString('base64') }));
    await this.call('PATCH', `/api/v1/runners/${runnerId}/files`, { delete: deletePaths, copy }, [204]);
  }

  /** POST /execute, then the WebSocket until the server closes it; throws unless the program exited. */
  async execute(runnerId: string, command: string, timeLimit = 30): Promise<ExecutionResult> {
    const answer = await this.call('POST', `/api/v1/runners/${runnerId}/execute`, { command, timeLimit }, [200]);
    const { websocketUrl } = JSON.parse(answer) as { websocketUrl: string };
    return this.attach(websocketUrl);
  }

  /** The pool statistics per environment id. */
  async statistics(): Promise<Record<string, EnvironmentStatistics>> {
    const text = await this.call('GET', '/api/v1/statistics/execution-environments', undefined, [200]);
    return JSON.parse(text) as Record<string, EnvironmentStatistics>;
  }

  /** Closes the keep-alive connections. Idempotent. */
  async close(): Promise<void> {
    if (!this.pool.closed && !this.pool.destroyed) await this.pool.close();
  }

  private async call(
    method: Dispatcher.HttpMethod,
    path: string,
    body: unknown,
    expected: readonly number[],
  ): Promise<string> {
    const res = await this.pool.request({
      method,
      path,
      headers: this.headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    if (!expected.includes(res.statusCode)) throw new UnexpectedAnswer(`${method} ${path}`, res.statusCode, text);
    return text;
  }

  private attach(url: string): Promise<ExecutionResult> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers: this.token ? { 'Poseidon-Token': this.token } : {} });
      let exitCode: number | undefined;
      let terminal = '';
      let stdout = '';
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { type: string; data?: unknown };
        if (message.type === 'stdout') stdout += String(message.data);
        else if (message.type === 'exit') exitCode = Number(message.data);
        else if (message.type !== 'start' && message.type !== 'stderr') terminal = data.toString();
      });
      socket.once('error', reject);
      socket.once('close', () => {
        if (exitCode === undefined) reject(new Error(`execution ended without exit: ${terminal || 'closed'}`));
        else resolve({ exitCode, stdout });
      });
    });
  }
}

/**
 * Retries `action` while a service that just started answers 410 (runner not known yet) or 500 (no idle runner yet,
 * caches still loading), every 2 ms, for at most `timeoutMs` (default 60 s); other errors are thrown at once.
 */
export async function untilServed<T>(action: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const start = process.hrtime.bigint();
  for (;;) {
    try {
      return await action();
    } catch (error) {
      const retryable = error instanceof UnexpectedAnswer && (error.status === 410 || error.status === 500);
      if (!retryable || elapsedMs(start) > timeoutMs) throw error;
      await delay(2);
    }
  }
}
