/**
 * Builders of stored resources, jobs and allocations for reconciler unit tests (deterministic ids and times).
 */
import type { ExecutionEnvironmentSpec } from '../../../crds/execution-environment';
import { API_GROUP_VERSION } from '../../../crds/meta';
import type { RunnerClaim, RunnerStatus } from '../../../crds/runner';
import type { StoredEnvironment, StoredRunner } from '../../../reconcilers/desired-state';
import type { AllocationState, JobSpec, JobState } from '../../../reconcilers/ports';

/** A runner id of environment `environmentId`, deterministic in `n`. */
export function runnerId(environmentId: number, n: number): string {
  return `${environmentId}-00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A complete environment spec with overrides. */
export function envSpec(id: number, overrides: Partial<ExecutionEnvironmentSpec> = {}): ExecutionEnvironmentSpec {
  return {
    id,
    image: 'openhpi/co_execenv_python:3.8',
    prewarmingPoolSize: 2,
    cpuLimit: 20,
    memoryLimit: 256,
    networkAccess: false,
    exposedPorts: [],
    ...overrides,
  };
}

/** A stored environment (as a store would hand it out). */
export function storedEnvironment(
  spec: ExecutionEnvironmentSpec,
  meta: { generation?: number; resourceVersion?: string } = {},
): StoredEnvironment {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'ExecutionEnvironment',
    metadata: {
      name: `environment-${spec.id}`,
      generation: meta.generation ?? 1,
      resourceVersion: meta.resourceVersion ?? '1',
      creationTimestamp: '2025-01-01T00:00:00.000Z',
      uid: `uid-env-${spec.id}`,
    },
    spec,
  };
}

/** A stored runner. */
export function storedRunner(
  name: string,
  environmentId: number,
  templateRevision: string,
  options: { claim?: RunnerClaim; status?: RunnerStatus; resourceVersion?: string; createdAt?: string } = {},
): StoredRunner {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'Runner',
    metadata: {
      name,
      generation: 1,
      resourceVersion: options.resourceVersion ?? '1',
      creationTimestamp: options.createdAt ?? '2025-01-01T00:00:00.000Z',
      uid: `uid-${name}`,
    },
    spec: { environmentId, templateRevision, ...(options.claim ? { claim: options.claim } : {}) },
    ...(options.status ? { status: options.status } : {}),
  };
}

/** A job as the backend reports it. */
export function jobState(spec: JobSpec, status: JobState['status'] = 'running', index = 10): JobState {
  return { ...spec, status, createIndex: index, modifyIndex: index, jobModifyIndex: index, version: 0 };
}

/** An allocation of `jobId`. */
export function allocation(
  jobId: string,
  clientStatus: AllocationState['clientStatus'] = 'running',
  overrides: Partial<AllocationState> = {},
): AllocationState {
  return {
    id: `alloc-${jobId}`,
    jobId,
    clientStatus,
    desiredStatus: 'run',
    createIndex: 11,
    modifyIndex: 11,
    taskState: clientStatus === 'running' ? 'running' : clientStatus === 'pending' ? 'pending' : 'dead',
    restarts: 0,
    taskEvents: [],
    ports: [],
    ...overrides,
  };
}
