import type { ExecutionEnvironment } from './execution-environment';
import type { Runner } from './runner';

/** Every kind the declarative store holds. */
export type ResourceKind = 'ExecutionEnvironment' | 'Runner';

/** Maps a kind name to its resource type. */
export interface ResourceByKind {
  ExecutionEnvironment: ExecutionEnvironment;
  Runner: Runner;
}

/** Any stored resource. */
export type AnyResource = ResourceByKind[ResourceKind];

/** Deep read-only view: cached and stored objects are shared and must never be mutated. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
