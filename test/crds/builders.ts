/**
 * Builders of valid resources for store and loader tests, and deterministic clock and uid sources.
 */
import type { ExecutionEnvironment, ExecutionEnvironmentSpec } from '../../crds/execution-environment';
import { API_GROUP_VERSION } from '../../crds/meta';
import type { Runner, RunnerSpec } from '../../crds/runner';
import type { NewResource } from '../../crds/store/store';

/** A new ExecutionEnvironment with the given name and id; `spec` overrides the remaining fields. */
export function environment(
  name: string,
  id: number,
  spec: Partial<ExecutionEnvironmentSpec> = {},
): NewResource<'ExecutionEnvironment'> {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'ExecutionEnvironment',
    metadata: { name },
    spec: {
      id,
      image: 'openhpi/co_execenv_python:3.8',
      prewarmingPoolSize: 1,
      cpuLimit: 20,
      memoryLimit: 256,
      networkAccess: false,
      exposedPorts: [],
      ...spec,
    },
  } satisfies ExecutionEnvironment;
}

/** A new idle Runner of environment `environmentId`. */
export function runner(name: string, environmentId: number, spec: Partial<RunnerSpec> = {}): NewResource<'Runner'> {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: 'Runner',
    metadata: { name },
    spec: { environmentId, templateRevision: 'rev-1', ...spec },
  } satisfies Runner;
}

/** A runner name of the `<envId>-<uuid>` form, deterministic in `n`. */
export function runnerName(environmentId: number, n: number): string {
  return `${environmentId}-00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A clock that starts at 2024-01-01T00:00:00Z and advances one second per reading. */
export function steppingClock(): () => Date {
  let ticks = 0;
  return () => new Date(Date.UTC(2024, 0, 1) + 1000 * ticks++);
}

/** A uid source returning `uid-1`, `uid-2`, ... */
export function countingUids(prefix = 'uid'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}
