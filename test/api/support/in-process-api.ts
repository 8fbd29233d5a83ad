/**
 * The facade started in this process over stateful in-memory services and the local ExecPort (real processes in temp
 * directories), as a target for the API suite and for facade-only tests that need a particular configuration.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import type { ApiConfig, ApiServerOptions } from '../../../api/api-options';
import { createApiServer, type ApiServer } from '../../../api/api-server';
import { LocalExec } from '../../fakes/local-exec';
import { MemoryEnvironments } from '../../fakes/memory-environments';
import { MemoryRunners, type MemoryRunnersOptions } from '../../fakes/memory-runners';
import type { ApiTarget } from './api-target';

/** A running in-process facade and its parts. */
export interface InProcessApi {
  readonly target: ApiTarget;
  readonly server: ApiServer;
  readonly environments: MemoryEnvironments;
  readonly runners: MemoryRunners;
  readonly exec: LocalExec;
  readonly registry: Registry;
  /** Stops everything and removes the temp directories. */
  close(): Promise<void>;
}

/** The configuration of the in-process facade (a token is always set, so auth is exercised). */
export const DEFAULT_TEST_CONFIG: ApiConfig = {
  token: 'test-token-0123456789',
  interactiveStderr: true,
  prewarmingPoolThreshold: 0,
  maxBodyBytes: 64 * 1024 * 1024,
  keepAliveTimeoutSeconds: 65,
  release: 'poseidon-ts-test',
};

/** Options of {@link startInProcessApi}. */
export interface InProcessOptions {
  readonly config?: Partial<ApiConfig>;
  readonly runners?: MemoryRunnersOptions;
  readonly server?: Partial<Omit<ApiServerOptions, 'services' | 'config' | 'logger' | 'registry'>>;
}

/** Starts the facade on a free loopback port. */
export async function startInProcessApi(options: InProcessOptions = {}): Promise<InProcessApi> {
  const exec = new LocalExec();
  const environments = new MemoryEnvironments();
  const runners = new MemoryRunners(environments, {
    ...options.runners,
    onDestroyed: (runnerId, cause) => exec.removeRunner(runnerId, cause),
  });
  const registry = new Registry();
  const config = { ...DEFAULT_TEST_CONFIG, ...options.config };
  const server = createApiServer({
    services: { environments, runners, statistics: runners, exec },
    config,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    registry,
    ...options.server,
  });
  const address = await server.listen(0, '127.0.0.1');
  const scheme = config.tls ? 'https' : 'http';
  return {
    target: { baseUrl: `${scheme}://127.0.0.1:${address.port}`, token: config.token, image: 'local' },
    server,
    environments,
    runners,
    exec,
    registry,
    close: async () => {
      await server.close();
      await runners.close();
      await exec.close();
    },
  };
}
