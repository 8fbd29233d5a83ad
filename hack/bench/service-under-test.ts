/**
 * The service the benchmarks measure: the real composition root (`startService`) configured through the real
 * configuration loader, in a temp directory of its own, on a free loopback port, with a token. Embedded backend by
 * default; the Nomad backend when a Nomad address is given.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../controllers/config/load-config';
import { startService, type RunningService } from '../../controllers/main';
import { ApiClient } from './api-client';

/** Options of {@link startServiceUnderTest}. */
export interface ServiceUnderTestOptions {
  /** Reuse this directory (a restart); default a new temp directory. */
  readonly dir?: string;
  /** Run on the Nomad backend against this address (`http://host:port`). */
  readonly nomadUrl?: string;
  /** Keep-alive connections of the returned client. Default 8. */
  readonly connections?: number;
  /** Reconciler workers (startService's default when absent). */
  readonly workers?: number;
  /** pino level of the service's log (to stderr). Default `silent`. */
  readonly logLevel?: string;
  /** The token; default a random one. */
  readonly token?: string;
}

/** A started service with a client for it. */
export interface ServiceUnderTest {
  readonly service: RunningService;
  readonly client: ApiClient;
  readonly dir: string;
  readonly token: string;
  readonly baseUrl: string;
  /** Stops the service and closes the client; the directory stays. Idempotent. */
  stop(): Promise<void>;
  /** Stops the service and removes the directory. */
  destroy(): Promise<void>;
}

/** Starts the service; resolves once its API listens. */
export async function startServiceUnderTest(options: ServiceUnderTestOptions = {}): Promise<ServiceUnderTest> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'poseidon-bench-')));
  const token = options.token ?? randomBytes(16).toString('hex');
  const env: Record<string, string> = { POSEIDON_SERVER_PORT: '0', POSEIDON_SERVER_TOKEN: token };
  if (options.nomadUrl !== undefined) {
    const url = new URL(options.nomadUrl);
    Object.assign(env, {
      POSEIDON_BACKEND: 'nomad',
      POSEIDON_NOMAD_ADDRESS: url.hostname,
      POSEIDON_NOMAD_PORT: url.port,
    });
  }
  const { config } = loadConfig({ argv: [], env, cwd: dir });
  const logger = pino({ level: options.logLevel ?? 'silent' }, pino.destination(2));
  const service = await startService({
    config,
    logger,
    version: 'bench',
    ...(options.workers === undefined ? {} : { workers: options.workers }),
  });
  const baseUrl = `http://127.0.0.1:${service.address.port}`;
  const client = new ApiClient(baseUrl, token, options.connections ?? 8);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await client.close();
      await service.stop();
    })());
  return {
    service,
    client,
    dir,
    token,
    baseUrl,
    stop,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until every listed environment has `idleRunners >= prewarmingPoolSize` (per the statistics route); answers
 * the milliseconds it took. Rejects after `timeoutMs`.
 */
export async function waitForFullPools(
  client: ApiClient,
  environmentIds: readonly number[],
  timeoutMs: number,
): Promise<number> {
  const start = process.hrtime.bigint();
  for (;;) {
    const statistics = await client.statistics();
    const full = environmentIds.every((id) => {
      const entry = statistics[String(id)];
      return entry !== undefined && entry.idleRunners >= entry.prewarmingPoolSize;
    });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (full) return elapsed;
    if (elapsed > timeoutMs) {
      throw new Error(`pools not full after ${timeoutMs} ms: ${JSON.stringify(statistics)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
