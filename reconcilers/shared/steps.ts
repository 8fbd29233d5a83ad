/**
 * Plan values: the writes a planner decided, as plain data. Applying a step is one port call (see apply-steps.ts);
 * every decision is already made when a step exists.
 */
import type { ExecutionEnvironmentStatus } from '../../crds/execution-environment';
import type { RunnerClaim, RunnerStatus } from '../../crds/runner';
import type { JobSpec, RunnerLossCause } from '../ports';

/** Registers (creates or updates) a job. */
export interface RegisterJobStep {
  readonly kind: 'registerJob';
  readonly object: 'TemplateJob' | 'RunnerJob';
  readonly job: JobSpec;
  /** Whether the job exists already (for the outcome: `updated` vs `created`). */
  readonly exists: boolean;
  /** Check-and-set: only register while the job's jobModifyIndex is this (meta-only updates of runner jobs). */
  readonly enforceIndex?: number;
  /** What the write is expected to make the cache show (an expectation item of the job's id). */
  readonly expectation: string;
}

/** Deregisters (stops and purges) a job. */
export interface DeregisterJobStep {
  readonly kind: 'deregisterJob';
  readonly object: 'TemplateJob' | 'RunnerJob';
  readonly jobId: string;
}

/** Creates a Runner resource (a fresh name from naming.newRunnerId unless `name` is given: adoption). */
export interface CreateRunnerStep {
  readonly kind: 'createRunner';
  readonly environmentId: number;
  readonly templateRevision: string;
  readonly name?: string;
  readonly claim?: RunnerClaim;
}

/** Deletes a Runner resource, only while it is unchanged when `resourceVersion` is set (check-and-set). */
export interface DeleteRunnerStep {
  readonly kind: 'deleteRunner';
  readonly name: string;
  readonly resourceVersion?: string;
}

/** Tells live sessions that a runner is gone, and why. */
export interface ReportLossStep {
  readonly kind: 'reportLoss';
  readonly runnerId: string;
  readonly cause: RunnerLossCause;
}

/** Writes a Runner's status (check-and-set on its resourceVersion). */
export interface WriteRunnerStatusStep {
  readonly kind: 'writeRunnerStatus';
  readonly name: string;
  readonly resourceVersion: string;
  readonly status: RunnerStatus;
}

/** Writes an ExecutionEnvironment's status (check-and-set on its resourceVersion). */
export interface WriteEnvironmentStatusStep {
  readonly kind: 'writeEnvironmentStatus';
  readonly name: string;
  readonly resourceVersion: string;
  readonly status: ExecutionEnvironmentStatus;
}

/** One write of a plan. */
export type Step =
  | RegisterJobStep
  | DeregisterJobStep
  | CreateRunnerStep
  | DeleteRunnerStep
  | ReportLossStep
  | WriteRunnerStatusStep
  | WriteEnvironmentStatusStep;

/** A short, log-friendly description of steps (`createRunner x2, deleteRunner 3-…`). */
export function describeSteps(steps: readonly Step[]): string[] {
  return steps.map((step) => {
    switch (step.kind) {
      case 'registerJob':
        return `registerJob ${step.job.id}`;
      case 'deregisterJob':
        return `deregisterJob ${step.jobId}`;
      case 'createRunner':
        return `createRunner ${step.name ?? `env ${step.environmentId}`}`;
      case 'deleteRunner':
        return `deleteRunner ${step.name}`;
      case 'reportLoss':
        return `reportLoss ${step.runnerId} ${step.cause}`;
      case 'writeRunnerStatus':
      case 'writeEnvironmentStatus':
        return `${step.kind} ${step.name}`;
    }
  });
}
