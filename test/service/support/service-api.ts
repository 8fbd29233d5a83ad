/**
 * API steps of the whole-service tests, over real HTTP and WebSocket: environments with chosen ids and specs, claims
 * that report their status, executions, files. Built on the API suite's client and kit.
 */
import { ContractKit, type ExecuteBody, type FinishedExecution, finish } from '../../api/support/contract-kit';
import type { HttpResponse } from '../../api/support/http-client';
import type { ExecutionSocket } from '../../api/support/ws-client';

/** The token every test service requires. */
export const TEST_TOKEN = 'service-test-token-0123456789';

/** An environment spec as the REST PUT takes it. */
export interface EnvironmentBody {
  readonly prewarmingPoolSize: number;
  readonly cpuLimit?: number;
  readonly memoryLimit?: number;
  readonly networkAccess?: boolean;
  readonly exposedPorts?: number[];
  readonly image?: string;
}

/** API steps against one service address. */
export class ServiceApi {
  readonly kit: ContractKit;

  constructor(port: number) {
    this.kit = new ContractKit({ baseUrl: `http://127.0.0.1:${port}`, token: TEST_TOKEN, image: 'host' });
  }

  /** `PUT /execution-environments/{id}`; returns the status (201 created, 204 replaced). */
  async putEnvironment(id: number, body: EnvironmentBody): Promise<number> {
    const response = await this.kit.api('PUT', `/execution-environments/${id}`, {
      image: 'host',
      cpuLimit: 20,
      memoryLimit: 256,
      networkAccess: false,
      exposedPorts: [],
      ...body,
    });
    if (response.status !== 201 && response.status !== 204) {
      throw new Error(`PUT environment ${id} failed: ${response.status} ${response.text}`);
    }
    return response.status;
  }

  /** `DELETE /execution-environments/{id}`; returns the status. */
  async deleteEnvironment(id: number): Promise<number> {
    return (await this.kit.api('DELETE', `/execution-environments/${id}`)).status;
  }

  /** `POST /runners`, whatever the answer. */
  claimResponse(environmentId: number, inactivityTimeout = 0): Promise<HttpResponse> {
    return this.kit.api('POST', '/runners', { executionEnvironmentId: environmentId, inactivityTimeout });
  }

  /** Claims a runner; throws unless 200. */
  claim(environmentId: number, inactivityTimeout = 0): Promise<string> {
    return this.kit.claim(environmentId, inactivityTimeout);
  }

  /** `DELETE /runners/{id}`; returns the status. */
  async release(runnerId: string): Promise<number> {
    return (await this.kit.api('DELETE', `/runners/${runnerId}`)).status;
  }

  /** Runs a shell command to its end. */
  run(runnerId: string, command: string, extra: Omit<ExecuteBody, 'command'> = {}): Promise<FinishedExecution> {
    return this.kit.run(runnerId, { command, ...extra });
  }

  /** Starts a command and returns its live socket (after the `start` message). */
  async start(runnerId: string, command: string, extra: Omit<ExecuteBody, 'command'> = {}): Promise<ExecutionSocket> {
    const socket = await this.kit.attach(await this.kit.execute(runnerId, { command, ...extra }));
    await socket.waitFor((message) => message.type === 'start', 10_000);
    return socket;
  }

  /** Waits for a live socket to close and summarizes it. */
  finish(socket: ExecutionSocket): Promise<FinishedExecution> {
    return finish(socket);
  }

  /** Writes one file into a runner. */
  writeFile(runnerId: string, path: string, content: string): Promise<void> {
    return this.kit.patch(runnerId, { copy: [{ path, content: Buffer.from(content).toString('base64') }] });
  }

  /** `GET /runners/{id}/files/raw?path=...`. */
  readFile(runnerId: string, path: string): Promise<HttpResponse> {
    return this.kit.api('GET', `/runners/${runnerId}/files/raw?path=${encodeURIComponent(path)}`);
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.kit.client.close();
  }
}
