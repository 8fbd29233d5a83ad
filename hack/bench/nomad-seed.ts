/**
 * Seeds a Nomad (test server) with what a previous controller instance leaves behind at scale, much faster than
 * letting the pool reconciler create it one runner at a time: clones of one real idle runner per environment (its
 * runner job with the same settings and meta, and its Runner resource with the status the runner reconciler
 * writes), then raises each environment's pool size to match. Writes go through the project's own Nomad adapter.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createNomadBackend, type NomadBackend } from '../../controllers/backends/nomad/nomad-backend';
import { API_GROUP_VERSION } from '../../crds/meta';
import type { JobState } from '../../reconcilers/ports';
import { delay, elapsedMs } from './bench-stats';

/** One environment's idle runner to clone, and how many runners the environment should have in the end. */
export interface SeedTemplate {
  readonly environmentId: number;
  /** Environment resource name (`environment-<id>`). */
  readonly environmentName: string;
  readonly job: JobState;
  readonly templateRevision: string;
  /** The pool size to set; `poolSize - 1` clones are made (the template runner is one of them). */
  readonly poolSize: number;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Seeds the clones; resolves once every clone's allocation runs and its Runner resource exists. Variables are
 * written in NomadStore's format (`poseidon/<folder>/<name>`, item `resource` = the JSON without resourceVersion)
 * straight through the API client: a NomadStore's own watch would re-list every variable after each write.
 */
export async function seedRunners(
  nomadUrl: string,
  templates: readonly SeedTemplate[],
  timeoutMs: number,
): Promise<void> {
  const url = new URL(nomadUrl);
  const backend = createNomadBackend({
    address: url.hostname,
    port: Number(url.port),
    logger: pino({ level: 'silent' }),
  });
  try {
    const clones = templates.flatMap((template) =>
      Array.from({ length: template.poolSize - 1 }, () => ({
        template,
        id: `${template.environmentId}-${randomUUID()}`,
      })),
    );
    await inParallel(clones, 32, async ({ template, id }) => {
      await backend.registerJob({ id, settings: template.job.settings, meta: template.job.meta }, { enforceIndex: 0 });
    });
    const allocations = await runningAllocations(backend, new Set(clones.map((clone) => clone.id)), timeoutMs);
    await inParallel(clones, 32, async ({ template, id }) => {
      const runner = {
        apiVersion: API_GROUP_VERSION,
        kind: 'Runner',
        metadata: { name: id, generation: 1, creationTimestamp: new Date().toISOString(), uid: randomUUID() },
        spec: { environmentId: template.environmentId, templateRevision: template.templateRevision },
        status: { observedGeneration: 1, phase: 'Running', allocationId: allocations.get(id) ?? '', mappedPorts: [] },
      };
      await backend.api.writeVariable(`poseidon/runners/${id}`, { resource: JSON.stringify(runner) }, 0);
    });
    for (const template of templates) await raisePoolSize(backend, template);
  } finally {
    await backend.stop();
  }
}

/** Sets the environment's pool size with a check-and-set write, as NomadStore.update does (generation + 1). */
async function raisePoolSize(backend: NomadBackend, template: SeedTemplate): Promise<void> {
  const path = `poseidon/environments/${template.environmentName}`;
  const variable = await backend.api.readVariable(path);
  const text = variable?.Items.resource;
  if (!variable || text === undefined) throw new Error(`seed: no variable ${path}`);
  const environment = JSON.parse(text) as {
    metadata: { generation: number };
    spec: { prewarmingPoolSize: number };
  };
  environment.metadata.generation += 1;
  environment.spec.prewarmingPoolSize = template.poolSize;
  await backend.api.writeVariable(path, { resource: JSON.stringify(environment) }, variable.ModifyIndex);
}

/** Polls the allocation list until every job in `jobIds` has a running allocation; answers job id -> allocation id. */
async function runningAllocations(
  backend: NomadBackend,
  jobIds: ReadonlySet<string>,
  timeoutMs: number,
): Promise<Map<string, string>> {
  const start = process.hrtime.bigint();
  for (;;) {
    const { items } = await backend.listAllocations('');
    const running = new Map<string, string>();
    for (const allocation of items) {
      if (jobIds.has(allocation.jobId) && allocation.clientStatus === 'running')
        running.set(allocation.jobId, allocation.id);
    }
    if (running.size === jobIds.size) return running;
    if (elapsedMs(start) > timeoutMs) throw new Error(`seed: ${running.size} of ${jobIds.size} allocations running`);
    await delay(200);
  }
}
