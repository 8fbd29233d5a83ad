/**
 * Read-only view of desired state (an indexed cache over the declarative store, kept current by the store's watch),
 * as the reconcilers and the claim path read it. Objects are frozen; writes go through the ResourceStore.
 */
import type { Stored } from '../crds/store/store';

export type StoredEnvironment = Stored<'ExecutionEnvironment'>;
export type StoredRunner = Stored<'Runner'>;

/** Indexed desired state. */
export interface DesiredState {
  /** The environment with `spec.id === id`. */
  environment(id: number): StoredEnvironment | undefined;
  environments(): readonly StoredEnvironment[];
  runner(name: string): StoredRunner | undefined;
  /** Runners whose `spec.environmentId === id` (claimed and idle). */
  runnersOf(environmentId: number): readonly StoredRunner[];
  /** Every runner (for adoption and re-lists). */
  runners(): readonly StoredRunner[];
}
