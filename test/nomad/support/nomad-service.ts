/**
 * The whole service on the Nomad backend, for end-to-end suites: a Nomad API test server on loopback (allocations in
 * the embedded backend's sandboxes), or the real agent named by `NOMAD_ADDR` (with `NOMAD_TOKEN`, `NOMAD_NAMESPACE`,
 * `POSEIDON_TEST_IMAGE`), and `startService` configured the way an operator does it, through `POSEIDON_*`
 * environment variables. The service can be stopped and started again on the same cluster to test recovery;
 * everything is torn down by `close()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../controllers/config/load-config';
import { startService, type RunningService } from '../../../controllers/main';
import {
  startNomadTestServer,
  type NomadTestServer,
  type NomadTestServerOptions,
} from '../../../hack/nomad-test-server/nomad-test-server';
import type { ApiTarget } from '../../api/support/api-target';
import { ClusterView } from './cluster-view';

/** Options of {@link startNomadService}. */
export interface NomadServiceOptions {
  /** Options of the test server (validation of its own answers is always on). */
  readonly server?: NomadTestServerOptions;
  /** Extra `POSEIDON_*` variables of the service. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A cluster (the test server, or a real agent) and the service running against it. */
export interface NomadServiceFixture {
  /** The test server; undefined when the suite runs against a real agent (`NOMAD_ADDR`). */
  readonly server: NomadTestServer | undefined;
  /** The cluster's state over Nomad's HTTP API. */
  readonly nomad: ClusterView;
  /** The running service (replaced by `restart()`). */
  readonly service: RunningService;
  /** Where the API suite helpers reach the service. */
  readonly target: ApiTarget;
  /** Stops the service (Nomad keeps its jobs) and starts a new one on the same cluster. */
  restart(): Promise<void>;
  /** Stops the service and the test server and removes the working directory. */
  close(): Promise<void>;
}

/** The image environments use (the test server's sandboxes run every image on the host system). */
export const TEST_IMAGE = process.env.POSEIDON_TEST_IMAGE ?? 'openhpi/co_execenv_python:3.8';

/** The real agent the suites run against instead of the test server, if any. */
export const REAL_NOMAD = process.env.NOMAD_ADDR;

/** Starts both. */
export async function startNomadService(options: NomadServiceOptions = {}): Promise<NomadServiceFixture> {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'poseidon-nomad-e2e-'));
  const server = REAL_NOMAD
    ? undefined
    : await startNomadTestServer({
        validateResponses: true,
        restartDelayMs: 50,
        rescheduleDelayMs: 50,
        ...options.server,
      });
  const token = REAL_NOMAD ? (process.env.NOMAD_TOKEN ?? '') : (options.server?.token ?? '');
  const namespace = (REAL_NOMAD && process.env.NOMAD_NAMESPACE) || 'default';
  const env = {
    POSEIDON_BACKEND: 'nomad',
    POSEIDON_NOMAD_ADDRESS: REAL_NOMAD ?? '127.0.0.1',
    ...(server ? { POSEIDON_NOMAD_PORT: String(server.port), POSEIDON_NOMAD_DISABLEFORCEPULL: 'true' } : {}),
    POSEIDON_NOMAD_NAMESPACE: namespace,
    POSEIDON_SERVER_PORT: '0',
    ...(token ? { POSEIDON_NOMAD_TOKEN: token } : {}),
    ...options.env,
  };
  const { config } = loadConfig({ argv: [], env, cwd });
  const logger = pino({ level: process.env.POSEIDON_TEST_LOG ?? 'silent' });
  const start = () => startService({ config, logger, version: 'test', workers: 2 });
  let service: RunningService;
  try {
    service = await start();
  } catch (error) {
    await server?.close();
    await rm(cwd, { recursive: true, force: true });
    throw error;
  }
  const targetOf = (running: RunningService): ApiTarget => ({
    baseUrl: `http://127.0.0.1:${running.address.port}`,
    token: config.server.token,
    image: TEST_IMAGE,
  });
  let target = targetOf(service);
  return {
    server,
    nomad: new ClusterView(server?.url ?? REAL_NOMAD ?? '', token, namespace),
    get service() {
      return service;
    },
    get target() {
      return target;
    },
    restart: async () => {
      await service.stop();
      service = await start();
      target = targetOf(service);
    },
    close: async () => {
      try {
        await service.stop();
      } finally {
        await server?.close();
        await rm(cwd, { recursive: true, force: true });
      }
    },
  };
}
