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
import type { ResourceStore } from '../crds/store/store';
import { EnvironmentReconciler } from '../reconcilers/environment/environment-reconciler';
import { PoolReconciler } from '../reconcilers/pool/pool-reconciler';
import type { Backend } from '../reconcilers/ports';
import { RunnerClaimer } from '../reconcilers/runner/claim';
import { RunnerReconciler } from '../reconcilers/runner/runner-reconciler';
import { environmentStatistics } from '../reconcilers/statistics/pool-statistics';
import { DesiredCache, type DesiredChange } from './cache/desired-cache';
import { ObservedCache } from './cache/observed-cache';
import type { Config } from './config/config-schema';
import { Controller } from './runtime/controller';
import type { Reconciler } from './runtime/reconciler';
import { Manager } from './runtime/manager';
import { changeSource } from './runtime/source';
import { systemClock } from './runtime/timers';
import { ActivityTracker } from './services/activity-tracker';
import { adoptEnvironments } from './services/adopt-environments';
import { StoreEnvironmentsService } from './services/environments-service';
import { EnvironmentEventLog, recordEnvironmentEvents } from './services/environment-events';
import { StoreResourcesService } from './services/resources-service';
import { RunnerLossBus } from './services/runner-loss-bus';
import { ControllerRunnersService } from './services/runners-service';
import { enqueueForDesired, enqueueForJobs } from './wiring/enqueue-keys';
import { openBackend } from './wiring/open-backend';

/** What {@link startService} needs. */
export interface ServiceOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The `/version` string when `sentry.release` is empty. */
  readonly version: string;
  /** Workers per reconciler. Default 4. */
  readonly workers?: number;
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

/** Starts everything `config` describes and resolves once the API listens. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, logger } = options;
  const clock = systemClock();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const opened = await openBackend(config, logger, registry);
  const { backend, store } = opened;
  const observed = new ObservedCache({ jobs: backend, feed: backend, clock, logger, registry });
  const desired = new DesiredCache({ store, logger });
  const losses = new RunnerLossBus();
  const activity = new ActivityTracker(clock);
  const base = { store, desired, observed, jobs: backend, clock, newId: randomUUID, logger, registry };
  const controller = (reconciler: Reconciler): Controller =>
    new Controller({ reconciler, logger, clock, registry, workers: options.workers ?? 4 });
  const queues = {
    environments: controller(new EnvironmentReconciler(base)),
    pools: controller(new PoolReconciler({ ...base, losses })),
    runners: controller(new RunnerReconciler({ ...base, losses, activity })),
  };
  const manager = new Manager({ logger })
    .addSource(observed)
    .addSource(desired)
    .addSource(
      changeSource<DesiredChange>(
        'desired-keys',
        (listener) => desired.onChange(listener),
        (change) => enqueueForDesired(queues, change),
      ),
    )
    .addSource(
      changeSource<readonly string[]>(
        'job-keys',
        (listener) => observed.onChange(listener),
        (ids) => enqueueForJobs(queues, ids),
      ),
    )
    .addController(queues.environments)
    .addController(queues.pools)
    .addController(queues.runners);
  let api: ApiServer | undefined;
  try {
    await manager.start();
    const adoptDeps = { store, desired, observed, logger };
    await adoptEnvironments(adoptDeps);
    const claimer = new RunnerClaimer({ store, desired, observed, registry, random: Math.random });
    // Recent events for the resource routes; the subscription lives as long as the caches.
    const events = new EnvironmentEventLog({ now: () => clock.now() });
    recordEnvironmentEvents({ desired, losses }, events);
    const runners = new ControllerRunnersService({
      store,
      desired,
      observed,
      activity,
      losses,
      claim: (environmentId, inactivityTimeout) =>
        claimer.claimRunner({ environmentId, inactivityTimeout, now: clock.now() }),
    });
    const environments = new StoreEnvironmentsService({
      store,
      desired,
      adopt: (onlyId) => adoptEnvironments(adoptDeps, onlyId),
    });
    api = createApiServer({
      services: {
        environments,
        runners,
        statistics: { statistics: () => environmentStatistics(desired, observed) },
        exec: backend,
        resources: new StoreResourcesService({ store, desired, observed, events }),
      },
      config: apiConfig(config, options.version),
      logger,
      registry,
    });
    const address = await listen(api, config);
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

async function listen(api: ApiServer, config: Config): Promise<AddressInfo> {
  return api.listen(config.server.port, config.server.address);
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
