/**
 * Helpers of the API suite, written only against the public API (so they work on any target): create environments
 * and wait until they have idle runners, claim runners, run commands over the WebSocket, write files. Everything it
 * creates is removed by `cleanup()`.
 */
import { randomInt } from 'node:crypto';
import { eventually } from '../../support/eventually';
import type { ApiTarget } from './api-target';
import { ApiClient, type HttpResponse } from './http-client';
import { connect, isSocket, type Closed, type ExecutionSocket, type ReceivedMessage } from './ws-client';

/** Options of an environment the suite creates. */
export interface EnvironmentOptions {
  readonly prewarmingPoolSize?: number;
  readonly networkAccess?: boolean;
  readonly exposedPorts?: number[];
  readonly memoryLimit?: number;
}

/** The body of `POST /execute`. */
export interface ExecuteBody {
  readonly command: string;
  readonly timeLimit?: number;
  readonly privilegedExecution?: boolean;
  readonly environment?: Record<string, string>;
}

/** A finished execution. */
export interface FinishedExecution {
  readonly messages: ReceivedMessage[];
  readonly closed: Closed;
  readonly stdout: string;
  readonly stderr: string;
  /** The last message (the terminal one when the protocol was kept). */
  readonly terminal: ReceivedMessage | undefined;
  readonly protocolViolations: string[];
}

/** Suite helpers bound to one target. */
export class ContractKit {
  readonly client: ApiClient;
  private readonly environments = new Set<number>();

  constructor(readonly target: ApiTarget) {
    this.client = new ApiClient(target.baseUrl, target.token, target.ca ? { ca: target.ca } : {});
  }

  /** `/api/v1` + `path`. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResponse> {
    return this.client.send(method, `/api/v1${path}`, body, headers ? { headers } : {});
  }

  /** A random environment id unlikely to exist on a shared target. */
  freshEnvironmentId(): number {
    return randomInt(900_000, 1_000_000);
  }

  /** Creates an environment and waits until it has an idle runner (when its pool is not empty). */
  async createEnvironment(options: EnvironmentOptions = {}): Promise<number> {
    const id = this.freshEnvironmentId();
    const poolSize = options.prewarmingPoolSize ?? 3;
    const response = await this.api('PUT', `/execution-environments/${id}`, {
      id,
      image: this.target.image,
      prewarmingPoolSize: poolSize,
      cpuLimit: 20,
      memoryLimit: options.memoryLimit ?? 256,
      networkAccess: options.networkAccess ?? false,
      exposedPorts: options.exposedPorts ?? [],
    });
    if (response.status !== 201 && response.status !== 204) throw new Error(`PUT failed: ${response.status}`);
    this.environments.add(id);
    if (poolSize > 0) await this.waitForIdle(id, 1);
    return id;
  }

  /** Waits until environment `id` has at least `count` idle runners. */
  async waitForIdle(id: number, count: number): Promise<void> {
    await eventually(
      async () => {
        const stats = (await this.api('GET', '/statistics/execution-environments')).json<
          Record<string, { idleRunners: number }>
        >();
        return (stats[String(id)]?.idleRunners ?? 0) >= count;
      },
      { timeoutMs: 60_000, intervalMs: 20, message: `idle runners of environment ${id}` },
    );
  }

  /**
   * Claims a runner of `environmentId`; returns its id. Pools refill asynchronously and a claim never waits, so a
   * 500 NOMAD_OVERLOAD is retried until an idle runner appears (as CodeOcean does while validating an environment);
   * tests of the 500 itself call the route directly.
   */
  async claim(environmentId: number, inactivityTimeout = 0): Promise<string> {
    const body = { executionEnvironmentId: environmentId, inactivityTimeout };
    const response = await eventually(
      async () => {
        const answer = await this.api('POST', '/runners', body);
        const overloaded = answer.status === 500 && answer.text.includes('"NOMAD_OVERLOAD"');
        return overloaded ? false : answer;
      },
      { timeoutMs: 30_000, intervalMs: 20, message: `an idle runner of environment ${environmentId}` },
    );
    if (response.status !== 200) throw new Error(`claim failed: ${response.status} ${response.text}`);
    return response.json<{ runnerId: string }>().runnerId;
  }

  /** Registers an execution; returns its WebSocket URL. */
  async execute(runnerId: string, body: ExecuteBody): Promise<string> {
    const response = await this.api('POST', `/runners/${runnerId}/execute`, body);
    if (response.status !== 200) throw new Error(`execute failed: ${response.status} ${response.text}`);
    return response.json<{ websocketUrl: string }>().websocketUrl;
  }

  /** Connects to an execution URL with the target's token. */
  async attach(websocketUrl: string): Promise<ExecutionSocket> {
    const socket = await connect(websocketUrl, {
      token: this.target.token,
      ...(this.target.ca ? { ca: this.target.ca } : {}),
    });
    if (!isSocket(socket)) throw new Error(`attach rejected: ${socket.status} ${socket.body}`);
    return socket;
  }

  /** Runs `command` on `runnerId` to the end, sending `input` frames right after connecting. */
  async run(runnerId: string, body: ExecuteBody, input: readonly string[] = []): Promise<FinishedExecution> {
    const socket = await this.attach(await this.execute(runnerId, body));
    for (const text of input) socket.send(text);
    return finish(socket);
  }

  /** `PATCH /files`; throws unless 204. */
  async patch(
    runnerId: string,
    body: { copy?: { path: string; content?: string | null }[]; delete?: string[] },
  ): Promise<void> {
    const response = await this.api('PATCH', `/runners/${runnerId}/files`, body);
    if (response.status !== 204) throw new Error(`patch failed: ${response.status} ${response.text}`);
  }

  /** Deletes the environments this kit created and closes its connections. */
  async cleanup(): Promise<void> {
    for (const id of this.environments) await this.api('DELETE', `/execution-environments/${id}`);
    this.environments.clear();
    this.client.close();
  }
}

/** Waits for `socket` to close and summarizes what it received. */
export async function finish(socket: ExecutionSocket): Promise<FinishedExecution> {
  const closed = await socket.closed;
  return {
    messages: socket.messages,
    closed,
    stdout: socket.output('stdout'),
    stderr: socket.output('stderr'),
    terminal: socket.messages[socket.messages.length - 1],
    protocolViolations: socket.protocolViolations,
  };
}

/** Base64 of a UTF-8 string or bytes. */
export function base64(content: string | Buffer): string {
  return Buffer.from(content).toString('base64');
}
