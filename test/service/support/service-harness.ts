/**
 * The whole service for whole-service tests: `startService` (controllers/main.ts) on the embedded backend in a temp
 * directory, configured through the real loader (`loadConfig` with `POSEIDON_SERVER_PORT=0`), with an HTTP client on
 * its API. Tests read the resulting world through {@link TestService.world}: jobs in the backend, resources in the
 * store, and what the API answers.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { purgeEmbeddedState } from '../../support/purge-embedded-state';
import { loadConfig } from '../../../controllers/config/load-config';
import { startService, type RunningService, type ServiceOptions } from '../../../controllers/main';
import { ServiceApi, TEST_TOKEN } from './service-api';
import { WorldReader } from './world-reader';

/** Options of {@link startTestService}. */
export interface TestServiceOptions {
  /** Reuse this state directory (a restart); default: a new temp directory. */
  readonly dir?: string;
  /** Extra `POSEIDON_*` variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Composition-root options beyond the configuration (backend tunables). */
  readonly service?: Partial<Omit<ServiceOptions, 'config' | 'logger' | 'version'>>;
}

/** A running service with a client and a reader of its world. */
export interface TestService {
  readonly service: RunningService;
  readonly dir: string;
  readonly api: ServiceApi;
  readonly world: WorldReader;
  /** Stops the service; the state directory stays. Idempotent. */
  stop(): Promise<void>;
}

/** Creates a fresh temp directory for a service's state. */
export function newStateDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'poseidon-service-'));
}

/** The environment variables every test service gets (a free port, a token, quiet logs). */
export function serviceEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { POSEIDON_SERVER_PORT: '0', POSEIDON_SERVER_TOKEN: TEST_TOKEN, ...extra };
}

/** Starts the real service on `options.dir` (or a new temp directory). */
export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const dir = options.dir ?? newStateDir();
  const { config } = loadConfig({ argv: [], env: serviceEnv(options.env), cwd: dir });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const service = await startService({ config, logger, version: 'service-test', workers: 2, ...options.service });
  const api = new ServiceApi(service.address.port);
  let stopping: Promise<void> | undefined;
  return {
    service,
    dir,
    api,
    world: new WorldReader(service.store, service.backend, api.kit.client),
    stop: () =>
      (stopping ??= (async () => {
        api.close();
        await service.stop();
      })()),
  };
}

/**
 * Removes everything a test left in `dir`: runner and template jobs (their cgroups and network namespaces live
 * outside the directory) through a fresh embedded backend on the same state, then the directory itself. Call it
 * after every service on `dir` stopped.
 */
export async function removeState(dir: string): Promise<void> {
  const { config } = loadConfig({ argv: [], env: serviceEnv(), cwd: dir });
  await purgeEmbeddedState(config.embedded.statedir, dir);
}
