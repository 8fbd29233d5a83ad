/**
 * The double's HTTP routes for jobs, allocations, evaluations, nodes, variables and the agent, answering with the
 * shapes of hack/openapi/nomad.yaml. Reads support Nomad's blocking queries (`index` + `wait`, at most 300 s).
 */
import type { NomadNode } from '../../controllers/backends/nomad/nomad-wire';
import { compileFilter } from './bexpr-filter';
import type { ClusterState, Table } from './cluster-state';
import { parseGoDuration, queryBool, type HandlerResult, type RequestContext, type Route } from './http-kit';
import type { JobOperations } from './job-operations';
import { HttpError } from './sim-types';
import { parseCas, type VariableOperations } from './variable-operations';
import { allocationStub, allocationWire, evaluationWire, jobStub } from './wire-encoding';

/** What the routes work on. */
export interface ApiCore {
  readonly state: ClusterState;
  readonly jobs: JobOperations;
  readonly variables: VariableOperations;
  readonly node: () => NomadNode;
  readonly agentName: string;
}

/** Every API route. */
export function apiRoutes(core: ApiCore): Route[] {
  const { state } = core;
  return [
    { method: 'GET', path: '/v1/jobs', operation: 'listJobs', handler: (c) => listJobs(core, c) },
    {
      method: 'PUT',
      path: '/v1/jobs',
      operation: 'registerJob',
      handler: async (c) => written(core.jobs.register(await c.body(), c.query.get('namespace') ?? undefined)),
    },
    {
      method: 'PUT',
      path: '/v1/job/:jobID',
      operation: 'registerJob',
      handler: async (c) => {
        const body = await c.body();
        const id = (body as { Job?: { ID?: unknown } } | null)?.Job?.ID;
        if (typeof id === 'string' && id !== c.params.jobID) throw new HttpError(400, 'Job ID does not match name');
        return written(core.jobs.register(body, c.query.get('namespace') ?? undefined));
      },
    },
    {
      method: 'GET',
      path: '/v1/job/:jobID',
      operation: 'readJob',
      handler: async (c) => {
        await block(state, c, 'jobs');
        const job = state.job(c.namespace, c.params.jobID ?? '');
        if (!job) throw new HttpError(404, 'job not found', undefined, state.tableIndex.jobs);
        return { json: job, index: job.ModifyIndex };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/job/:jobID',
      operation: 'deregisterJob',
      handler: (c) => written(core.jobs.deregister(c.namespace, c.params.jobID ?? '', queryBool(c.query, 'purge'))),
    },
    {
      method: 'GET',
      path: '/v1/job/:jobID/allocations',
      operation: 'listJobAllocations',
      handler: async (c) => {
        await block(state, c, 'allocs');
        const allocs = state.jobAllocs(c.namespace, c.params.jobID ?? '');
        return { json: allocs.map((a) => allocationStub(a, false, true)), index: state.tableIndex.allocs };
      },
    },
    { method: 'GET', path: '/v1/allocations', operation: 'listAllocations', handler: (c) => listAllocations(state, c) },
    {
      method: 'GET',
      path: '/v1/allocation/:allocID',
      operation: 'readAllocation',
      handler: async (c) => {
        await block(state, c, 'allocs');
        const alloc = state.allocs.get(c.params.allocID ?? '');
        if (!alloc || !inNamespace(alloc.Namespace, c.namespace)) throw new HttpError(404, 'alloc not found');
        return { json: allocationWire(alloc, true), index: alloc.ModifyIndex };
      },
    },
    {
      method: 'GET',
      path: '/v1/evaluation/:evalID',
      operation: 'readEvaluation',
      handler: async (c) => {
        await block(state, c, 'evals');
        const evaluation = state.evals.get(c.params.evalID ?? '');
        if (!evaluation || !inNamespace(evaluation.Namespace, c.namespace)) throw new HttpError(404, 'eval not found');
        return { json: evaluationWire(evaluation), index: evaluation.ModifyIndex };
      },
    },
    {
      method: 'GET',
      path: '/v1/node/:nodeID',
      operation: 'readNode',
      handler: (c) => {
        const node = core.node();
        if (c.params.nodeID !== node.ID) throw new HttpError(404, 'node not found');
        return { json: node, index: node.ModifyIndex };
      },
    },
    ...variableRoutes(core),
    {
      method: 'GET',
      path: '/v1/agent/health',
      operation: 'agentHealth',
      handler: () => ({ json: { client: { ok: true, message: 'ok' }, server: { ok: true, message: 'ok' } } }),
    },
    {
      method: 'GET',
      path: '/v1/agent/self',
      operation: 'agentSelf',
      handler: () => ({
        json: {
          config: { Region: 'global', Datacenter: 'dc1', NodeName: core.agentName, Version: { Version: '2.0.5' } },
          member: { Name: `${core.agentName}.global`, Addr: '127.0.0.1', Port: 4648, Status: 'alive', Tags: null },
          stats: {},
        },
      }),
    },
  ];
}

/** A write's answer: the response body, and its raft index as `X-Nomad-Index` (Nomad's `setIndex(resp, out.Index)`). */
function written<T extends { Index: number }>(response: T): HandlerResult {
  return { json: response, index: response.Index };
}

function variableRoutes(core: ApiCore): Route[] {
  const { state, variables } = core;
  const cas = (c: RequestContext) => parseCas(c.query);
  return [
    {
      method: 'GET',
      path: '/v1/vars',
      operation: 'listVariables',
      handler: async (c) => {
        await block(state, c, 'vars');
        const items = variables.list(c.namespace, c.query.get('prefix') ?? '');
        return { ...paginate(items, c, (v) => v.Path), index: state.tableIndex.vars };
      },
    },
    {
      method: 'GET',
      path: '/v1/var/*path',
      operation: 'readVariable',
      handler: async (c) => {
        await block(state, c, 'vars');
        const variable = variables.read(c.namespace, c.params.path ?? '');
        return { json: variable, index: variable.ModifyIndex };
      },
    },
    {
      method: 'PUT',
      path: '/v1/var/*path',
      operation: 'writeVariable',
      handler: async (c) => {
        const variable = variables.write(c.namespace, c.params.path ?? '', await c.body(), cas(c));
        return { json: variable, index: variable.ModifyIndex };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/var/*path',
      operation: 'deleteVariable',
      handler: (c) => {
        variables.delete(c.namespace, c.params.path ?? '', cas(c));
        return { status: 204, index: state.tableIndex.vars };
      },
    },
  ];
}

async function listJobs(core: ApiCore, c: RequestContext): Promise<HandlerResult> {
  const { state } = core;
  await block(state, c, 'jobs');
  const prefix = c.query.get('prefix') ?? '';
  const withMeta = queryBool(c.query, 'meta');
  const jobs = [...state.jobs.values()]
    .filter((job) => inNamespace(job.Namespace, c.namespace) && job.ID.startsWith(prefix))
    .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
  const page = paginate(jobs, c, (job) => job.ID);
  const stubs = page.json.map((job) => jobStub(job, state.jobAllocs(job.Namespace, job.ID), withMeta));
  return { json: stubs, headers: page.headers, index: state.tableIndex.jobs };
}

async function listAllocations(state: ClusterState, c: RequestContext): Promise<HandlerResult> {
  await block(state, c, 'allocs');
  const filter = c.query.get('filter');
  const matches = filter ? compileFilter(filter) : () => true;
  const prefix = c.query.get('prefix') ?? '';
  const resources = queryBool(c.query, 'resources');
  const taskStates = (c.query.get('task_states') ?? '') === '' || queryBool(c.query, 'task_states');
  const allocs = [...state.allocs.values()]
    .filter((a) => inNamespace(a.Namespace, c.namespace) && a.ID.startsWith(prefix))
    .filter((a) => matches(allocationWire(a, false)))
    .sort((a, b) => (a.ID < b.ID ? -1 : 1));
  const page = paginate(allocs, c, (a) => a.ID);
  return {
    json: page.json.map((a) => allocationStub(a, resources, taskStates)),
    headers: page.headers,
    index: state.tableIndex.allocs,
  };
}

/** Nomad's pagination: `per_page` items from `next_token` (the key of the first item of the page). */
function paginate<T>(
  items: T[],
  c: RequestContext,
  keyOf: (item: T) => string,
): { json: T[]; headers: Record<string, string> } {
  const perPage = Number(c.query.get('per_page') ?? 0);
  const token = c.query.get('next_token') ?? '';
  const start = token ? items.findIndex((item) => keyOf(item) >= token) : 0;
  const from = start < 0 ? items.length : start;
  if (!(perPage > 0)) return { json: items.slice(from), headers: {} };
  const page = items.slice(from, from + perPage);
  const next = items[from + perPage];
  return { json: page, headers: next ? { 'X-Nomad-NextToken': keyOf(next) } : {} };
}

/** Blocks while the table index is not above `?index` (at most `?wait`, default and cap 300 s). */
export async function block(state: ClusterState, c: RequestContext, table: Table): Promise<void> {
  const raw = c.query.get('index');
  if (raw === null) return;
  const index = Number(raw);
  if (!Number.isInteger(index) || index < 0) throw new HttpError(400, 'Invalid index');
  const waitText = c.query.get('wait');
  const wait = waitText === null ? 300_000 : parseGoDuration(waitText);
  if (wait === undefined) throw new HttpError(400, 'Invalid wait time');
  if (index === 0) return;
  await state.waitFor(() => state.tableIndex[table] > index, Math.min(wait, 300_000), c.signal);
}

function inNamespace(namespace: string, wanted: string): boolean {
  return wanted === '*' || namespace === wanted;
}
