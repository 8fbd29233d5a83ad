/**
 * Drop-in migration: template jobs that no environment resource describes (created by the original Go Poseidon, or
 * by hand) become ExecutionEnvironment resources, so their environments appear and their runners can be adopted.
 * Jobs rendered by this project carry a template hash in their meta and are never adopted (their resource was
 * deleted on purpose; the environment reconciler removes them).
 */
import type { Logger } from 'pino';
import { hasErrorCode } from '../../crds/errors';
import { API_GROUP_VERSION } from '../../crds/meta';
import type { ResourceStore } from '../../crds/store/store';
import type { DesiredState } from '../../reconcilers/desired-state';
import {
  META_POOL_SIZE,
  META_TEMPLATE_HASH,
  TEMPLATE_JOB_PREFIX,
  environmentResourceName,
  parseTemplateJobId,
} from '../../reconcilers/naming';
import type { JobState, ObservedState } from '../../reconcilers/ports';

/** Collaborators of {@link adoptEnvironments}. */
export interface AdoptEnvironmentsDeps {
  store: ResourceStore;
  desired: DesiredState;
  observed: ObservedState;
  logger: Logger;
}

/** Creates environment resources for foreign template jobs (all of them, or only `onlyId`). */
export async function adoptEnvironments(deps: AdoptEnvironmentsDeps, onlyId?: number): Promise<void> {
  for (const job of deps.observed.jobsWithPrefix(TEMPLATE_JOB_PREFIX)) {
    const id = parseTemplateJobId(job.id);
    if (id === undefined || (onlyId !== undefined && id !== onlyId)) continue;
    if (job.meta[META_TEMPLATE_HASH] !== undefined || job.status === 'dead' || deps.desired.environment(id)) continue;
    try {
      await deps.store.create('ExecutionEnvironment', {
        apiVersion: API_GROUP_VERSION,
        kind: 'ExecutionEnvironment',
        metadata: { name: environmentResourceName(id), labels: { 'poseidon.openhpi.de/adopted': 'true' } },
        spec: specOf(id, job),
      });
      deps.logger.info({ environmentId: id, jobId: job.id }, 'adopted an environment from its template job');
    } catch (error) {
      if (!hasErrorCode(error, 'AlreadyExists')) throw error;
    }
  }
}

function specOf(id: number, job: JobState) {
  const pool = Number.parseInt(job.meta[META_POOL_SIZE] ?? '0', 10);
  return {
    id,
    image: job.settings.image,
    prewarmingPoolSize: Number.isSafeInteger(pool) && pool >= 0 ? pool : 0,
    cpuLimit: job.settings.cpuLimit,
    memoryLimit: job.settings.memoryLimit,
    networkAccess: job.settings.networkAccess,
    exposedPorts: job.settings.networkAccess ? [...new Set(job.settings.exposedPorts)] : [],
  };
}
