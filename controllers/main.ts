/**
 * The composition root: configuration in, a running service out. Opens the backend and its store, builds both
 * caches, the three reconcilers under the controller runtime, the services the API needs, and the API server; stops
 * them in reverse order. Nothing else in the project constructs these parts together.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { ApiConfig } from '../api/api-options';
import { createApiServer, type ApiServer } from '../api/api-server';
import type { ApiServices } from '../api/ports';
import type { ResourceStore } from '../crds/store/store';
import { EnvironmentReconciler } from '../reconcilers/environment/environment-reconciler';
import { PoolReconciler } from '../reconcilers/pool/pool-reconciler';
import type { Backend, RunnerLossReporter } from '../reconcilers/ports';
import { RunnerClaimer } from '../reconcilers/runner/claim';
import { RunnerReconciler } from '../reconcilers/runner/runner-reconciler';
import { environmentStatistics } from '../reconcilers/statistics/pool-statistics';
import { DesiredCache } from './cache/desired-cache';
import { ObservedCache } from './cache/observed-cache';
import type { Config } from './config/config-schema';
import { Controller } from './runtime/controller';
import type { Reconciler } from './runtime/reconciler';
import { Manager } from './runtime/manager';
import { systemClock, type RuntimeClock } from './runtime/timers';
import { ActivityTracker } from './services/activity-tracker';
import { adoptEnvironments } from './services/adopt-environments';
import { StoreEnvironmentsService } from './services/environments-service';
import { EnvironmentEventLog, recordEnvironmentEvents } from './services/environment-events';
import { StoreResourcesService } from './services/resources-service';
import { RunnerLossBus } from './services/runner-loss-bus';
import { ControllerRunnersService } from './services/runners-service';
import { controllerSources } from './wiring/controller-sources';
import { openBackend, type EmbeddedTunables } from './wiring/open-backend';

/** What {@link startService} needs. */
export interface ServiceOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The `/version` string when `sentry.release` is empty. */
  readonly version: string;
  /** Workers per reconciler. Default 4. */
  readonly workers?: number;
  /** Embedded-backend tunables that are not configuration keys (tests: a small event buffer). */
  readonly embedded?: EmbeddedTunables;
  /** Period of the observed cache's safety-net re-list in ms; 0 = never. Default 60,000. */
  readonly relistIntervalMs?: number;
}

/** A running service. */
export interface RunningService {
  /** Where the API listens. */
  readonly address: AddressInfo;
  readonly registry: Registry;
  readonly store: ResourceStore;
  readonly backend: Backend;
  /** Stops accepting requests, stops the controllers and closes the backend and the store. Idempotent. */
  stop(): Promise<void>;
}

/** The parts the controllers share with the API's services. */
interface Core {
  readonly store: ResourceStore;
  readonly desired: DesiredCache;
  readonly observed: ObservedCache;
  readonly losses: RunnerLossBus;
  readonly activity: ActivityTracker;
  readonly clock: RuntimeClock;
  readonly registry: Registry;
  readonly logger: Logger;
}

/** Starts everything `config` describes and resolves once the API listens. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, logger } = options;
  const clock = systemClock();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const opened = await openBackend(config, logger, registry, options.embedded);
  const { backend, store } = opened;
  const relist = options.relistIntervalMs === undefined ? {} : { relistIntervalMs: options.relistIntervalMs };
  const core: Core = {
    store,
    desired: new DesiredCache({ store, logger }),
    observed: new ObservedCache({ jobs: backend, feed: backend, clock, logger, registry, ...relist }),
    losses: new RunnerLossBus(),
    activity: new ActivityTracker(clock),
    clock,
    registry,
    logger,
  };
  const manager = buildManager(core, backend, config, options.workers ?? 4);
  let api: ApiServer | undefined;
  try {
    await manager.start();
    await adoptEnvironments(core);
    api = createApiServer({
      services: apiServices(core, backend),
      config: apiConfig(config, options.version),
      logger,
      registry,
    });
    const address = await api.listen(config.server.port, config.server.address);
    logger.info({ address: address.address, port: address.port, backend: backend.name }, 'Poseidon is ready');
    const started = api;
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        await started.close();
        await manager.stop();
        await opened.close();
      })());
    return { address, registry, store, backend, stop };
  } catch (error) {
    await api?.close().catch(() => undefined);
    await manager.stop().catch(() => undefined);
    await opened.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The three reconcilers under the runtime: one controller (queue + workers) each, fed by the sources that map
 * desired and observed changes to keys, started by the manager once both caches synced.
 */
function buildManager(core: Core, backend: Backend, config: Config, workers: number): Manager {
  const { store, desired, observed, clock, logger, registry } = core;
  // Destroyed runners: live sessions learn the cause, and the activity record is dropped with the runner.
  const losses: RunnerLossReporter = {
    runnerLost(runnerId, cause) {
      core.activity.forget(runnerId);
      return core.losses.runnerLost(runnerId, cause);
    },
  };
  const base = { store, desired, observed, jobs: backend, clock, newId: randomUUID, logger, registry };
  const render = { disableForcePull: config.nomad.disableforcepull };
  const depletionThreshold = config.server.alert.prewarmingpoolthreshold;
  const controller = (reconciler: Reconciler): Controller =>
    new Controller({ reconciler, logger, clock, registry, workers });
  const queues = {
    environments: controller(new EnvironmentReconciler({ ...base, options: { ...render, depletionThreshold } })),
    pools: controller(new PoolReconciler({ ...base, losses, options: render })),
    runners: controller(new RunnerReconciler({ ...base, losses, activity: core.activity, options: render })),
  };
  const manager = new Manager({ logger });
  for (const source of controllerSources({ desired, observed, queues, losses })) manager.addSource(source);
  return manager
    .addSource(observed)
    .addSource(desired)
    .addController(queues.environments)
    .addController(queues.pools)
    .addController(queues.runners);
}

/** The services behind the API: environments and runners over the store and caches, statistics, exec. */
function apiServices(core: Core, backend: Backend): ApiServices {
  const { store, desired, observed, activity, losses, clock, registry } = core;
  const claimer = new RunnerClaimer({ store, desired, observed, registry, random: Math.random });
  // Recent events for the resource routes; the subscription lives as long as the caches.
  const events = new EnvironmentEventLog({ now: () => clock.now() });
  recordEnvironmentEvents({ desired, losses }, events);
  return {
    environments: new StoreEnvironmentsService({
      store,
      desired,
      adopt: (onlyId) => adoptEnvironments(core, onlyId),
    }),
    runners: new ControllerRunnersService({
      store,
      desired,
      observed,
      activity,
      losses,
      claim: (environmentId, inactivityTimeout) =>
        claimer.claimRunner({ environmentId, inactivityTimeout, now: clock.now() }),
    }),
    statistics: { statistics: () => environmentStatistics(desired, observed) },
    exec: backend,
    resources: new StoreResourcesService({ store, desired, observed, events }),
  };
}

/** The API's part of the configuration; TLS files are read here so a bad path fails at start. */
export function apiConfig(config: Config, version: string): ApiConfig {
  const { server } = config;
  return {
    token: server.token,
    ...(server.tls.active
      ? { tls: { cert: readFileSync(server.tls.certfile), key: readFileSync(server.tls.keyfile) } }
      : {}),
    interactiveStderr: server.interactivestderr,
    prewarmingPoolThreshold: server.alert.prewarmingpoolthreshold,
    maxBodyBytes: server.maxbodybytes,
    keepAliveTimeoutSeconds: server.keepalivetimeout,
    release: config.sentry.release || version,
  };
}
