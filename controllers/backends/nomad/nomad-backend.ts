/**
 * The Nomad adapter of the Backend port: jobs and allocations over Nomad's HTTP API, the event feed over its event
 * stream, and executions over its alloc exec WebSocket. Construct it in the composition root with
 * `createNomadBackend({ address, port, token, namespace, tls, network, logger, registry })`.
 */
import { randomUUID } from 'node:crypto';
import { errorCodeOf, PoseidonError } from '../../../crds/errors';
import type {
  Backend,
  BackendEvent,
  ExecProcess,
  ExecRequest,
  JobSpec,
  RegisterOptions,
} from '../../../reconcilers/ports';
import { NomadEventStreamSource } from './event-stream-source';
import { defaultTemplateJob, loadTemplateJob } from './job-template';
import { NomadApiClient } from './nomad-api-client';
import { compileNomadOptions, type NomadBackendConfig, type NomadBackendOptions } from './nomad-backend-options';
import { NomadExec } from './nomad-exec';
import { NomadJobs } from './nomad-jobs';
import { createNomadMetrics } from './nomad-metrics';
import { createNomadTransport, type NomadTransport } from './nomad-transport';

/** The Nomad backend, plus the typed API client for neighbours that need more of Nomad (the Nomad store). */
export interface NomadBackend extends Backend {
  readonly api: NomadApiClient;
  readonly config: NomadBackendConfig;
}

/**
 * Creates the adapter. Reads the TLS and template files at once (throws `Invalid` or a file error when they are
 * unusable); opens no connection before `start()` or the first call.
 */
export function createNomadBackend(options: NomadBackendOptions & { executionIds?: () => string }): NomadBackend {
  const config = compileNomadOptions(options);
  const transport = createNomadTransport(config);
  const metrics = createNomadMetrics(config.registry);
  const api = new NomadApiClient(transport, metrics);
  const template = config.templateJobFile ? loadTemplateJob(config.templateJobFile) : defaultTemplateJob();
  const jobs = new NomadJobs(api, config, {
    template,
    namespace: config.namespace,
    network: config.network,
    disableForcePull: config.disableForcePull,
  });
  const feed = new NomadEventStreamSource(transport, metrics, (signal) => api.latestIndex({ signal }));
  const exec = new NomadExec(transport, api, metrics, options.executionIds ?? randomUUID);
  return {
    name: 'nomad',
    api,
    config,
    start: () => probe(api, transport),
    stop: () => transport.close(),
    registerJob: (job: JobSpec, registerOptions?: RegisterOptions) => jobs.registerJob(job, registerOptions),
    deregisterJob: (id: string) => jobs.deregisterJob(id),
    readJob: (id: string) => jobs.readJob(id),
    listJobs: (prefix: string) => jobs.listJobs(prefix),
    listAllocations: (prefix: string) => jobs.listAllocations(prefix),
    jobAllocations: (jobId: string) => jobs.jobAllocations(jobId),
    events: (fromIndex: number, signal: AbortSignal): AsyncIterable<readonly BackendEvent[]> =>
      feed.events(fromIndex, signal),
    exec: (request: ExecRequest): Promise<ExecProcess> => exec.exec(request),
  };
}

/**
 * Checks once that the agent answers and accepts the token. A refused token is a configuration error and throws;
 * an unreachable agent is only logged (the controller's list calls retry with backoff).
 */
async function probe(api: NomadApiClient, transport: NomadTransport): Promise<void> {
  try {
    await api.probe();
    transport.config.logger.info({ address: transport.config.baseUrl }, 'connected to nomad');
  } catch (error) {
    if (errorCodeOf(error) === 'BackendUnavailable' && (error as PoseidonError).retryable) {
      transport.config.logger.warn({ err: error, address: transport.config.baseUrl }, 'nomad is not reachable yet');
      return;
    }
    throw error;
  }
}
