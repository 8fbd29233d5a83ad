/**
 * The whole service (controllers/main.ts `startService`) on the embedded backend in a fresh temp directory, loaded
 * through the real configuration loader, as a target for the API suite: real reconcilers, real store, real
 * sandboxes, a real HTTP server on a free loopback port.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { purgeEmbeddedState } from '../../support/purge-embedded-state';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../../controllers/config/load-config';
import { startService, type RunningService } from '../../../controllers/main';
import type { ApiTarget } from './api-target';
import type { TlsMaterial } from './tls-material';

/** A running service, its target and how to stop it. */
export interface RealService {
  readonly target: ApiTarget;
  readonly service: RunningService;
  /** The temp directory holding the store and the embedded backend's state. */
  readonly dir: string;
  /** Stops the service (the state stays, so {@link RealService.restart} can pick it up). */
  stop(): Promise<void>;
  /** Starts a new service on the same directory and port; resolves with it. */
  restart(): Promise<RealService>;
  /** Stops the service and deletes the directory. */
  destroy(): Promise<void>;
}

/** Options of {@link startRealService}. */
export interface RealServiceOptions {
  /** Extra `POSEIDON_*` variables. */
  readonly env?: Record<string, string>;
  /** Reuse this directory (a restart); default: a new temp directory. */
  readonly dir?: string;
  /** Serve HTTPS with this key and certificate (written to the directory, named by `POSEIDON_SERVER_TLS_*`). */
  readonly tls?: TlsMaterial;
}

/** The `POSEIDON_SERVER_TLS_*` variables for `tls`, after writing its files into `dir`. */
function tlsEnvironment(dir: string, tls: TlsMaterial | undefined): Record<string, string> {
  if (!tls) return {};
  writeFileSync(path.join(dir, 'tls-cert.pem'), tls.cert);
  writeFileSync(path.join(dir, 'tls-key.pem'), tls.key, { mode: 0o600 });
  return {
    POSEIDON_SERVER_TLS_ACTIVE: 'true',
    POSEIDON_SERVER_TLS_CERTFILE: 'tls-cert.pem',
    POSEIDON_SERVER_TLS_KEYFILE: 'tls-key.pem',
  };
}

const TOKEN = 'real-service-token-0123456789';

/** Starts the service with `POSEIDON_SERVER_PORT=0` and a token. */
export async function startRealService(options: RealServiceOptions = {}): Promise<RealService> {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'poseidon-real-'));
  const env = {
    POSEIDON_SERVER_PORT: '0',
    POSEIDON_SERVER_TOKEN: TOKEN,
    ...tlsEnvironment(dir, options.tls),
    ...options.env,
  };
  const { config } = loadConfig({ argv: [], env, cwd: dir });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const service = await startService({ config, logger, version: 'real-service-test', workers: 2 });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= service.stop());
  const real: RealService = {
    target: {
      baseUrl: `${options.tls ? 'https' : 'http'}://127.0.0.1:${service.address.port}`,
      token: TOKEN,
      image: 'host',
      ...(options.tls ? { ca: options.tls.cert } : {}),
    },
    service,
    dir,
    stop,
    restart: async () => {
      await stop();
      return startRealService({
        ...options,
        dir,
        env: { ...options.env, POSEIDON_SERVER_PORT: String(service.address.port) },
      });
    },
    destroy: async () => {
      await stop();
      await purgeEmbeddedState(config.embedded.statedir, dir);
    },
  };
  return real;
}
