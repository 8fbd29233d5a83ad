/**
 * Typed calls of the Nomad endpoints this project uses (hack/openapi/nomad.yaml), over the shared transport. Every
 * call carries the namespace, the token and a timeout; every failure becomes a PoseidonError (nomad-errors.ts);
 * reads of a missing object answer `undefined` instead of throwing.
 */
import { PoseidonError } from '../../../crds/errors';
import { classifyNomadFailure, transportFailure } from './nomad-errors';
import type { NomadMetrics } from './nomad-metrics';
import type { NomadTransport } from './nomad-transport';
import type {
  NomadAllocation,
  NomadAllocListStub,
  NomadEvaluation,
  NomadJob,
  NomadJobDeregisterResponse,
  NomadJobListStub,
  NomadJobRegisterRequest,
  NomadJobRegisterResponse,
  NomadNode,
  NomadVariable,
  NomadVariableConflict,
  NomadVariableMetadata,
} from './nomad-wire';

/** A list answer with the `X-Nomad-Index` it is consistent with. */
export interface IndexedList<T> {
  readonly items: T[];
  readonly index: number;
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

interface Answer<T> {
  readonly data: T | undefined;
  readonly status: number;
  readonly index: number;
  readonly nextToken: string;
}

type Init = { signal: AbortSignal; headers: Record<string, string> };

/** Per-call options. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Overrides the configured request timeout (blocking queries wait longer). */
  readonly timeoutMs?: number;
}

/** A blocking query: answer once the index passed `index`, or after `waitMs`. */
export interface BlockingOptions extends CallOptions {
  readonly index?: number;
  readonly waitMs?: number;
}

/** The endpoint calls. */
export class NomadApiClient {
  constructor(
    private readonly transport: NomadTransport,
    private readonly metrics: NomadMetrics,
  ) {}

  /** Job stubs with `prefix` and their job-level Meta; follows `X-Nomad-NextToken` pages. */
  async listJobs(prefix: string, options: CallOptions = {}): Promise<IndexedList<NomadJobListStub>> {
    return this.paged('listJobs', '/v1/jobs', options, (init, page) =>
      this.transport.client.GET('/v1/jobs', {
        ...init,
        params: { query: this.transport.query({ prefix, meta: true, ...page }) },
      }),
    );
  }

  /** The full job, or undefined when Nomad does not know it. */
  async readJob(id: string, options: CallOptions = {}): Promise<NomadJob | undefined> {
    const answer = await this.send('readJob', 'GET', `/v1/job/${id}`, options, true, (init) =>
      this.transport.client.GET('/v1/job/{jobID}', {
        ...init,
        params: { path: { jobID: id }, query: this.transport.query({}) },
      }),
    );
    return answer.data;
  }

  /** `PUT /v1/jobs`; a failed `EnforceIndex` check rejects with `Conflict`, validation failures with `Invalid`. */
  async registerJob(request: NomadJobRegisterRequest, options: CallOptions = {}): Promise<NomadJobRegisterResponse> {
    const answer = await this.send('registerJob', 'PUT', '/v1/jobs', options, false, (init) =>
      this.transport.client.PUT('/v1/jobs', { ...init, params: { query: this.transport.query({}) }, body: request }),
    );
    return required(answer, 'registerJob');
  }

  /** `DELETE /v1/job/:id?purge=true`; an unknown job succeeds. */
  async deregisterJob(id: string, options: CallOptions = {}): Promise<NomadJobDeregisterResponse> {
    const answer = await this.send('deregisterJob', 'DELETE', `/v1/job/${id}`, options, false, (init) =>
      this.transport.client.DELETE('/v1/job/{jobID}', {
        ...init,
        params: { path: { jobID: id }, query: this.transport.query({ purge: true }) },
      }),
    );
    return required(answer, 'deregisterJob');
  }

  /** Allocation stubs of one job (no ports); `[]` for an unknown job. */
  async jobAllocations(id: string, options: CallOptions = {}): Promise<NomadAllocListStub[]> {
    const answer = await this.send('listJobAllocations', 'GET', `/v1/job/${id}/allocations`, options, false, (init) =>
      this.transport.client.GET('/v1/job/{jobID}/allocations', {
        ...init,
        params: { path: { jobID: id }, query: this.transport.query({}) },
      }),
    );
    return answer.data ?? [];
  }

  /** Every allocation stub of the namespace, with AllocatedResources (ports) and task states. */
  async listAllocations(options: CallOptions = {}): Promise<IndexedList<NomadAllocListStub>> {
    return this.paged('listAllocations', '/v1/allocations', options, (init, page) =>
      this.transport.client.GET('/v1/allocations', {
        ...init,
        params: { query: this.transport.query({ resources: true, task_states: true, ...page }) },
      }),
    );
  }

  /** The full allocation, or undefined. */
  async readAllocation(id: string, options: CallOptions = {}): Promise<NomadAllocation | undefined> {
    const answer = await this.send('readAllocation', 'GET', `/v1/allocation/${id}`, options, true, (init) =>
      this.transport.client.GET('/v1/allocation/{allocID}', {
        ...init,
        params: { path: { allocID: id }, query: this.transport.query({}) },
      }),
    );
    return answer.data;
  }

  /** An evaluation, or undefined. */
  async readEvaluation(id: string, options: CallOptions = {}): Promise<NomadEvaluation | undefined> {
    const answer = await this.send('readEvaluation', 'GET', `/v1/evaluation/${id}`, options, true, (init) =>
      this.transport.client.GET('/v1/evaluation/{evalID}', {
        ...init,
        params: { path: { evalID: id }, query: this.transport.query({}) },
      }),
    );
    return answer.data;
  }

  /** A client node, or undefined. */
  async readNode(id: string, options: CallOptions = {}): Promise<NomadNode | undefined> {
    const answer = await this.send('readNode', 'GET', `/v1/node/${id}`, options, true, (init) =>
      this.transport.client.GET('/v1/node/{nodeID}', { ...init, params: { path: { nodeID: id } } }),
    );
    return answer.data;
  }

  /** Variable metadata under `prefix` (no Items); with `index` a blocking query. */
  async listVariables(prefix: string, options: BlockingOptions = {}): Promise<IndexedList<NomadVariableMetadata>> {
    const blocking = options.index
      ? { index: options.index, wait: `${Math.ceil((options.waitMs ?? 60_000) / 1000)}s` }
      : {};
    const timeoutMs = options.index ? (options.waitMs ?? 60_000) + this.transport.config.requestTimeoutMs : undefined;
    return this.paged('listVariables', '/v1/vars', { ...options, timeoutMs }, (init, page) =>
      this.transport.client.GET('/v1/vars', {
        ...init,
        params: { query: this.transport.query({ prefix, ...blocking, ...page }) },
      }),
    );
  }

  /** A variable with its Items, or undefined. */
  async readVariable(path: string, options: CallOptions = {}): Promise<NomadVariable | undefined> {
    const answer = await this.send('readVariable', 'GET', `/v1/var/${path}`, options, true, (init) =>
      this.transport.client.GET('/v1/var/{path}', {
        ...init,
        params: { path: { path }, query: this.transport.query({}) },
      }),
    );
    return answer.data;
  }

  /**
   * Writes a variable; with `cas` only when its ModifyIndex equals it (0 = only when absent). A conflict rejects with
   * `Conflict` whose `details.current` is Nomad's current variable (a zero-valued one when absent).
   */
  async writeVariable(
    path: string,
    items: Record<string, string>,
    cas?: number,
    options: CallOptions = {},
  ): Promise<NomadVariable> {
    const body = { Namespace: this.transport.config.namespace, Path: path, Items: items };
    const query = this.transport.query(cas === undefined ? {} : { cas });
    const answer = await this.send('writeVariable', 'PUT', `/v1/var/${path}`, options, false, (init) =>
      this.transport.client.PUT('/v1/var/{path}', { ...init, params: { path: { path }, query }, body }),
    );
    return required(answer, 'writeVariable');
  }

  /** Deletes a variable (idempotent); with `cas` only when its ModifyIndex equals it. Answers the write's index. */
  async deleteVariable(path: string, cas?: number, options: CallOptions = {}): Promise<number> {
    const query = this.transport.query(cas === undefined ? {} : { cas });
    const answer = await this.send('deleteVariable', 'DELETE', `/v1/var/${path}`, options, false, (init) =>
      this.transport.client.DELETE('/v1/var/{path}', { ...init, params: { path: { path }, query } }),
    );
    return answer.index;
  }

  /** The newest raft index of the jobs and allocations tables (two one-item list calls): "now" for the stream. */
  async latestIndex(options: CallOptions = {}): Promise<number> {
    const jobs = await this.send('listJobs', 'GET', '/v1/jobs', options, false, (init) =>
      this.transport.client.GET('/v1/jobs', { ...init, params: { query: this.transport.query({ per_page: 1 }) } }),
    );
    const allocations = await this.send('listAllocations', 'GET', '/v1/allocations', options, false, (init) =>
      this.transport.client.GET('/v1/allocations', {
        ...init,
        params: { query: this.transport.query({ per_page: 1 }) },
      }),
    );
    return Math.max(jobs.index, allocations.index);
  }

  /** Whether the agent answers and accepts the token (`GET /v1/agent/self`). */
  async probe(options: CallOptions = {}): Promise<void> {
    await this.send('agentSelf', 'GET', '/v1/agent/self', options, false, (init) =>
      this.transport.client.GET('/v1/agent/self', init),
    );
  }

  private async paged<T>(
    operation: string,
    path: string,
    options: CallOptions,
    run: (init: Init, page: { per_page?: number; next_token?: string }) => Promise<FetchResult<T[]>>,
  ): Promise<IndexedList<T>> {
    const perPage = this.transport.config.listPageSize;
    const items: T[] = [];
    let nextToken = '';
    let index = 0;
    do {
      const page = perPage > 0 ? { per_page: perPage, ...(nextToken ? { next_token: nextToken } : {}) } : {};
      const answer = await this.send(operation, 'GET', path, options, false, (init) => run(init, page));
      for (const item of answer.data ?? []) items.push(item);
      index = Math.max(index, answer.index);
      nextToken = perPage > 0 ? answer.nextToken : '';
    } while (nextToken);
    return { items, index };
  }

  private async send<T>(
    operation: string,
    method: string,
    path: string,
    options: CallOptions,
    allowMissing: boolean,
    run: (init: Init) => Promise<FetchResult<T>>,
  ): Promise<Answer<T>> {
    const stopTimer = this.metrics.requestSeconds.startTimer({ operation });
    let result: FetchResult<T>;
    try {
      const signal = this.transport.signal(options.signal, options.timeoutMs);
      result = await run({ signal, headers: this.transport.headers() });
    } catch (error) {
      this.metrics.requests.inc({ operation, code: 'error' });
      throw transportFailure(method, path, error);
    } finally {
      stopTimer();
    }
    const { response } = result;
    this.metrics.requests.inc({ operation, code: String(response.status) });
    const index = Number(response.headers.get('x-nomad-index') ?? 0) || 0;
    const nextToken = response.headers.get('x-nomad-nexttoken') ?? '';
    if (response.ok) return { data: result.data, status: response.status, index, nextToken };
    if (response.status === 404 && allowMissing) return { data: undefined, status: 404, index, nextToken };
    throw failureOf(method, path, response.status, result.error);
  }
}

function failureOf(method: string, path: string, status: number, error: unknown): PoseidonError {
  const body = typeof error === 'string' ? error.trim() : error === undefined ? '' : JSON.stringify(error);
  const failure = classifyNomadFailure({ method, path, status, body });
  if (status === 409 && typeof error === 'object' && error !== null) {
    const current = error as NomadVariableConflict;
    return new PoseidonError(failure.code, failure.message, { details: { ...(failure.details as object), current } });
  }
  return failure;
}

function required<T>(answer: Answer<T>, operation: string): T {
  if (answer.data === undefined) {
    throw new PoseidonError('BackendUnavailable', `Nomad ${operation} answered ${answer.status} without a body`);
  }
  return answer.data;
}
