/**
 * The registry of resource kinds: each kind name with its TypeBox schema. Everything that dispatches on `kind`
 * (validation, YAML loading, the stores) reads it from here.
 */
import type { TObject } from '@sinclair/typebox';
import { EXECUTION_ENVIRONMENT_KIND, ExecutionEnvironmentSchema } from './execution-environment';
import type { ResourceKind } from './resources';
import { RUNNER_KIND, RunnerSchema } from './runner';

/** Every kind the store holds, in a stable order (used in messages). */
export const RESOURCE_KINDS: readonly ResourceKind[] = [EXECUTION_ENVIRONMENT_KIND, RUNNER_KIND];

const SCHEMAS: Readonly<Record<ResourceKind, TObject>> = {
  ExecutionEnvironment: ExecutionEnvironmentSchema,
  Runner: RunnerSchema,
};

/** True when `value` names a kind of this project. */
export function isResourceKind(value: unknown): value is ResourceKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SCHEMAS, value);
}

/** The TypeBox schema of a kind (a plain JSON Schema object; never mutate it). */
export function schemaOf(kind: ResourceKind): TObject {
  return SCHEMAS[kind];
}
