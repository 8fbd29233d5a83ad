/**
 * The backend's internal record of a job: the port-shaped job and allocation states plus what only the embedded
 * backend needs (the settings an allocation was placed with, its network attachment). Records are immutable values;
 * every change replaces the record.
 */
import type { AllocationState, JobState, TaskSettings } from '../../../../reconcilers/ports';

/** The network namespace and veth link of an allocation with network access. */
export interface NetworkAttachment {
  /** Name under /run/netns. */
  readonly namespace: string;
  /** Host side of the veth pair. */
  readonly hostLink: string;
  /** Index of the /30 in the pool (the addresses derive from it). */
  readonly slot: number;
  readonly hostAddress: string;
  readonly runnerAddress: string;
}

/** One allocation of a job. */
export interface AllocationRecord {
  readonly state: AllocationState;
  /** The settings the allocation was placed with (a settings change places a new allocation). */
  readonly settings: TaskSettings;
  readonly network?: NetworkAttachment;
  /** Kernel OOM kills already reported as task events. */
  readonly oomKillsSeen: number;
}

/** A job with its allocations, newest first. */
export interface JobRecord {
  readonly job: JobState;
  readonly allocations: readonly AllocationRecord[];
}

/** How many allocations of a job are kept (the newest is the live one; older ones are history). */
export const ALLOCATION_HISTORY = 3;

/** Job ids become file names: letters, digits, `.`, `_`, `-`; no leading dot; at most 128 characters. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
