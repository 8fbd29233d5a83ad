/**
 * CodeOcean's Poseidon strategy (lib/runner/strategy/poseidon.rb as codeocean-client.md B.2 describes it): the exact
 * requests it sends and what it reads from the answers. One object per runner id, plus the class-level calls
 * (environments, health, version, statistics). Retries live one level up, in {@link CodeOceanRunners}.
 */
import type { IncomingMessage } from 'node:http';
import { handleError, parseJson, type ManagementHttp } from './management-http';
import { openRunnerConnection, type RunnerConnection } from './runner-connection';
import { RunnerError } from './runner-errors';

/** An execution environment as CodeOcean stores it. */
export interface CodeOceanEnvironment {
  readonly id: number;
  readonly dockerImage: string;
  readonly poolSize: number;
  readonly cpuLimit: number;
  readonly memoryLimit: number;
  readonly networkEnabled: boolean;
  readonly exposedPorts: readonly number[];
  /** Seconds; becomes `timeLimit` of every execution and part of the claim's `inactivityTimeout`. */
  readonly permittedExecutionTime: number;
}

/** A learner's file. `path` is its directory ('' at the top), `name` its name with extension. */
export interface CodeOceanFile {
  readonly path: string;
  readonly name: string;
  readonly content: Buffer | string;
}

/** One entry of `GET /files` as CodeOcean reads it. */
export interface ListedFile {
  readonly name: string;
  readonly entryType: string;
  readonly size: number;
  readonly modificationTime: number;
  readonly permissions: string;
  readonly owner: string;
  readonly group: string;
}

/** A download as CodeOcean streams it to the browser. */
export interface Download {
  readonly contentLength: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/** The claim request: `inactivityTimeout = max(unused_runner_expiration_time, permitted_execution_time)`. */
export async function requestFromManagement(http: ManagementHttp, environment: CodeOceanEnvironment): Promise<string> {
  const inactivityTimeout = Math.max(http.config.unusedRunnerExpirationTime, environment.permittedExecutionTime);
  const response = await http.request('POST', '/runners', {
    executionEnvironmentId: environment.id,
    inactivityTimeout,
  });
  if (response.status === 200) {
    const runnerId = (parseJson(response) as { runnerId?: unknown }).runnerId;
    if (typeof runnerId !== 'string' || runnerId === '') throw new RunnerError('UnexpectedResponse', 'no runnerId');
    return runnerId;
  }
  if (response.status === 404) {
    // CodeOcean syncs the environment and gives up on this request.
    await syncEnvironment(http, environment);
    throw new RunnerError('EnvironmentNotFound', 'environment not found yet, synced now', 404);
  }
  throw handleError(response);
}

/** `PUT /execution-environments/{id}` with CodeOcean's body; 201 or 204, anything else is an error. */
export async function syncEnvironment(http: ManagementHttp, environment: CodeOceanEnvironment): Promise<void> {
  const response = await http.request('PUT', `/execution-environments/${environment.id}`, {
    id: environment.id,
    image: environment.dockerImage,
    prewarmingPoolSize: environment.poolSize,
    cpuLimit: environment.cpuLimit,
    memoryLimit: environment.memoryLimit,
    networkAccess: environment.networkEnabled,
    exposedPorts: [...new Set(environment.exposedPorts)].sort((a, b) => a - b),
  });
  if (response.status !== 201 && response.status !== 204) throw handleError(response);
}

/** `GET /execution-environments` (no `fetch`): the remote ids; `null` counts as none. */
export async function environmentIds(http: ManagementHttp): Promise<number[]> {
  const response = await http.request('GET', '/execution-environments');
  if (response.status !== 200) throw handleError(response);
  const body = parseJson(response) as { executionEnvironments?: unknown };
  if (!('executionEnvironments' in body)) throw new RunnerError('UnexpectedResponse', 'no executionEnvironments key');
  const list = (body.executionEnvironments ?? []) as { id: number }[];
  return list.map((environment) => environment.id);
}

/** `DELETE /execution-environments/{id}`: exactly 204, a 404 is an error. */
export async function removeEnvironment(http: ManagementHttp, id: number): Promise<void> {
  const response = await http.request('DELETE', `/execution-environments/${id}`);
  if (response.status !== 204) throw handleError(response);
}

/** "Sync all": list, PUT every local environment, DELETE every remote id that does not exist locally. */
export async function syncAll(http: ManagementHttp, local: readonly CodeOceanEnvironment[]): Promise<void> {
  const remote = await environmentIds(http);
  for (const environment of local) await syncEnvironment(http, environment);
  const localIds = new Set(local.map((environment) => environment.id));
  for (const id of remote) if (!localIds.has(id)) await removeEnvironment(http, id);
}

/** `GET /health`: true on 204; a 503 means "pool depleted" with the message read; anything else is an error. */
export async function health(http: ManagementHttp): Promise<{ healthy: true } | { healthy: false; message: string }> {
  const response = await http.request('GET', '/health');
  if (response.status === 204) return { healthy: true };
  if (response.status === 503)
    return { healthy: false, message: String((parseJson(response) as { message: unknown }).message) };
  throw handleError(response);
}

/** `GET /version`: the JSON string, or "N/A" on 404. */
export async function version(http: ManagementHttp): Promise<string> {
  const response = await http.request('GET', '/version');
  if (response.status === 404) return 'N/A';
  if (response.status !== 200) throw handleError(response);
  const parsed = parseJson(response);
  if (typeof parsed !== 'string') throw new RunnerError('UnexpectedResponse', 'version is not a JSON string');
  return parsed;
}

/** `GET /statistics/execution-environments`, merged as CodeOcean merges it. */
export async function statistics(
  http: ManagementHttp,
): Promise<Record<string, { id: number; prewarmingPoolSize: number; idleRunners: number; usedRunners: number }>> {
  const response = await http.request('GET', '/statistics/execution-environments');
  if (response.status !== 200) throw handleError(response);
  return parseJson(response) as Record<
    string,
    { id: number; prewarmingPoolSize: number; idleRunners: number; usedRunners: number }
  >;
}

/** The per-runner calls. */
export class PoseidonRunner {
  constructor(
    readonly id: string,
    private readonly http: ManagementHttp,
  ) {}

  /** PATCH with `delete: ["./*"]`, one directory entry per distinct non-blank directory first, then the files. */
  async copyFiles(files: readonly CodeOceanFile[]): Promise<void> {
    const directories = [...new Set(files.map((file) => file.path).filter((path) => path.trim() !== ''))];
    const copy = [
      ...directories.map((directory) => ({ path: `${directory}/` })),
      ...files.map((file) => ({
        path: file.path.trim() === '' ? file.name : `${file.path}/${file.name}`,
        content: Buffer.from(file.content).toString('base64'),
      })),
    ];
    const response = await this.http.request('PATCH', `/runners/${this.id}/files`, { copy, delete: ['./*'] });
    if (response.status !== 204) throw handleError(response);
  }

  /** POST execute and open the WebSocket (never sends `environment`). */
  async attachToExecution(
    command: string,
    timeLimit: number,
    privilegedExecution: boolean,
    destroyRunner: () => Promise<void>,
  ): Promise<RunnerConnection> {
    const response = await this.http.request('POST', `/runners/${this.id}/execute`, {
      command,
      timeLimit,
      privilegedExecution,
    });
    if (response.status !== 200) throw handleError(response);
    const url = (parseJson(response) as { websocketUrl?: unknown }).websocketUrl;
    if (typeof url !== 'string' || url === '') throw new RunnerError('UnexpectedResponse', 'no websocketUrl');
    return openRunnerConnection(url, {
      token: this.http.config.token,
      ...(this.http.config.ca ? { ca: this.http.config.ca } : {}),
      destroyRunner,
      hangGuardMs: Math.max(timeLimit, 0) * 1000 + 20_000,
    });
  }

  /** `GET /files?path=&recursive=&privilegedExecution=`; 424 is a WorkspaceError. */
  async retrieveFiles(path = './', recursive = true, privilegedExecution = false): Promise<ListedFile[]> {
    const query = new URLSearchParams({
      path,
      recursive: String(recursive),
      privilegedExecution: String(privilegedExecution),
    });
    const response = await this.http.request('GET', `/runners/${this.id}/files?${query.toString()}`);
    if (response.status === 424) throw new RunnerError('WorkspaceError', 'workspace error', 424);
    if (response.status !== 200) throw handleError(response);
    return (parseJson(response) as { files: ListedFile[] }).files;
  }

  /** `GET /files/raw` on a separate streaming connection; the length comes from `Content-Length`. */
  async downloadFile(path: string, privilegedExecution = false): Promise<Download> {
    const query = new URLSearchParams({ path, privilegedExecution: String(privilegedExecution) });
    const res = await this.http.stream(`/runners/${this.id}/files/raw?${query.toString()}`);
    const body = await collect(res);
    if (res.statusCode === 424) throw new RunnerError('WorkspaceError', 'workspace error', 424);
    if (res.statusCode !== 200) {
      throw handleError({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: false });
    }
    const contentLength = Number(res.headers['content-length']);
    if (!Number.isSafeInteger(contentLength)) throw new RunnerError('UnexpectedResponse', 'no Content-Length');
    return { contentLength, contentType: res.headers['content-type'] ?? 'application/octet-stream', body };
  }

  /** `DELETE /runners/{id}`: 204; a 410 is swallowed (already gone); anything else is an error. */
  async destroyAtManagement(): Promise<void> {
    const response = await this.http.request('DELETE', `/runners/${this.id}`);
    if (response.status !== 204 && response.status !== 410) throw handleError(response);
  }
}

function collect(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => resolve(Buffer.concat(chunks)));
    res.once('error', reject);
  });
}
