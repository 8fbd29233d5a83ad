/**
 * Test helpers of the Nomad adapter's suites: a Nomad API test server with a backend pointed at it, runner job specs,
 * and a background consumer of the event feed. Not used by production code.
 */
import pino from 'pino';
import type { BackendEvent, EventFeedPort, JobSpec } from '../../../reconcilers/ports';
import { eventually } from '../../../test/support/eventually';
import {
  startNomadTestServer,
  type NomadTestServer,
  type NomadTestServerOptions,
} from '../../../hack/nomad-test-server/nomad-test-server';
import { createNomadBackend, type NomadBackend } from './nomad-backend';
import type { NomadBackendOptions } from './nomad-backend-options';

/** A server and a backend talking to it. */
export interface NomadFixture {
  readonly server: NomadTestServer;
  readonly backend: NomadBackend;
  close(): Promise<void>;
}

/** Starts a test server (validating its own answers) and a backend for it. */
export async function startNomadFixture(
  serverOptions: NomadTestServerOptions = {},
  backendOptions: Partial<NomadBackendOptions> = {},
): Promise<NomadFixture> {
  const server = await startNomadTestServer({ validateResponses: true, ...serverOptions });
  const backend = createNomadBackend({
    address: server.url,
    token: serverOptions.token,
    logger: pino({ level: 'silent' }),
    ...backendOptions,
  });
  return {
    server,
    backend,
    close: async () => {
      await backend.stop();
      await server.close();
    },
  };
}

let counter = 0;

/** A runner job spec of environment `environmentId` with a fresh, valid runner id. */
export function runnerSpec(environmentId = 1, overrides: Partial<JobSpec['settings']> = {}): JobSpec {
  counter += 1;
  const suffix = counter.toString(16).padStart(12, '0');
  return {
    id: `${environmentId}-6f04b525-5315-41ee-af32-${suffix}`,
    settings: {
      image: 'debian:12',
      cpuLimit: 40,
      memoryLimit: 0,
      networkAccess: false,
      exposedPorts: [],
      ...overrides,
    },
    meta: { used: 'false', templateHash: 'hash-1' },
  };
}

/** Registers a runner job and waits until its allocation runs; answers the allocation id. */
export async function runningRunner(backend: NomadBackend, spec: JobSpec = runnerSpec()): Promise<string> {
  await backend.registerJob(spec, { enforceIndex: 0 });
  const allocation = await eventually(
    async () => (await backend.jobAllocations(spec.id)).find((a) => a.clientStatus === 'running') ?? false,
    { timeoutMs: 10_000, message: `runner ${spec.id} running` },
  );
  return allocation.id;
}

/** Reads the feed in the background, keeping every batch and the error that ended it. */
export function consumeFeed(feed: EventFeedPort, fromIndex: number) {
  const controller = new AbortController();
  const batches: (readonly BackendEvent[])[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const batch of feed.events(fromIndex, controller.signal)) batches.push(batch);
    } catch (error) {
      failure = error;
    }
  })();
  return {
    batches,
    events: () => batches.flat(),
    get error(): unknown {
      return failure;
    },
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}
