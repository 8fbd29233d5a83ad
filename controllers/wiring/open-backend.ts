/**
 * The two deployments: `embedded` (local bubblewrap sandboxes, resources in a file-backed store on this machine) and
 * `nomad` (a Nomad cluster, resources as Nomad Variables so every replica of the service shares them).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { FileStore } from '../../crds/store/file-store';
import { NomadStore } from '../../crds/store/nomad-store';
import type { ResourceStore } from '../../crds/store/store';
import type { Backend } from '../../reconcilers/ports';
import { createEmbeddedBackend, type EmbeddedBackendOptions } from '../backends/embedded';
import { createNomadBackend } from '../backends/nomad/nomad-backend';
import type { Config } from '../config/config-schema';

/** Embedded-backend tunables that are not part of the configuration (tests use a small event buffer). */
export type EmbeddedTunables = Partial<
  Pick<EmbeddedBackendOptions, 'eventBufferSize' | 'supervisionIntervalMs' | 'pidsLimit'>
>;

/** A started backend and the store that goes with it. */
export interface OpenedBackend {
  readonly backend: Backend;
  readonly store: ResourceStore;
  /** Stops the backend and closes the store. */
  close(): Promise<void>;
}

/**
 * Creates and starts the configured backend, then opens its store. Cleans up what it opened when a step fails.
 * `embedded` tunables apply only to the embedded backend.
 */
export async function openBackend(
  config: Config,
  logger: Logger,
  registry: Registry,
  embedded: EmbeddedTunables = {},
): Promise<OpenedBackend> {
  return config.backend === 'nomad'
    ? openNomad(config, logger, registry)
    : openEmbedded(config, logger, registry, embedded);
}

async function openEmbedded(
  config: Config,
  logger: Logger,
  registry: Registry,
  tunables: EmbeddedTunables,
): Promise<OpenedBackend> {
  const store = await FileStore.open(config.store.path, { logger: logger.child({ component: 'store' }) });
  try {
    const backend = await createEmbeddedBackend({
      ...tunables,
      stateDir: config.embedded.statedir,
      rootfs: config.embedded.rootfs,
      exposedPortsHost: config.embedded.exposedportshost,
      logger: logger.child({ component: 'embedded' }),
      registry,
    });
    await backend.start();
    logger.info(
      {
        stateDir: config.embedded.statedir,
        store: config.store.path,
        network: backend.networkMode,
        cgroups: backend.cgroups,
      },
      'embedded backend started',
    );
    return { backend, store, close: () => closeBoth(backend, store) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function openNomad(config: Config, logger: Logger, registry: Registry): Promise<OpenedBackend> {
  const { nomad } = config;
  const backend = createNomadBackend({
    address: nomad.address,
    port: nomad.port,
    token: nomad.token,
    namespace: nomad.namespace,
    tls: {
      active: nomad.tls.active,
      caFile: nomad.tls.cafile,
      certFile: nomad.tls.certfile,
      keyFile: nomad.tls.keyfile,
    },
    network: {
      mode: nomad.network.mode,
      hostname: nomad.network.hostname,
      dns: nomad.network.dns,
    },
    disableForcePull: nomad.disableforcepull,
    templateJobFile: config.server.templatejobfile || nomad.templatejobfile,
    logger: logger.child({ component: 'nomad' }),
    registry,
  });
  try {
    await backend.start();
    const store = await NomadStore.open({
      variables: backend.api,
      // A local copy of the Variables: a restart reads only the ones that changed meanwhile.
      seedFile: path.join(config.store.path, 'nomad-variables.json'),
      onWatchError: (error) => logger.warn({ err: error }, 'Nomad Variables watch failed; retrying'),
    });
    logger.info({ address: backend.config.baseUrl, namespace: backend.config.namespace }, 'Nomad backend started');
    // The store first: its watch holds a blocking query on the backend's connection pool, which stop() drains.
    return { backend, store, close: () => closeBoth(backend, store, 'store-first') };
  } catch (error) {
    await backend.stop();
    throw error;
  }
}

async function closeBoth(
  backend: Backend,
  store: ResourceStore,
  order: 'backend-first' | 'store-first' = 'backend-first',
): Promise<void> {
  const [first, second] =
    order === 'store-first' ? [() => store.close(), () => backend.stop()] : [() => backend.stop(), () => store.close()];
  try {
    await first();
  } finally {
    await second();
  }
}
