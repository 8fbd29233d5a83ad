/**
 * The double's internal records. They hold every field with its zero value; wire-encoding.ts decides what the wire
 * shows (omitted zero values for allocations and evaluations, full stubs for lists).
 */
import type {
  NomadJob,
  NomadAllocClientStatus,
  NomadAllocDesiredStatus,
  NomadTaskState,
} from '../../controllers/backends/nomad/nomad-wire';
import type { components } from '../../controllers/backends/nomad/generated/nomad-api';

export type SimTaskState = NomadTaskState;
export type SimAllocMetric = components['schemas']['AllocMetric'];
export type SimEvalStatus = components['schemas']['EvalStatus'];

/** An allocation. */
export interface SimAlloc {
  ID: string;
  Namespace: string;
  EvalID: string;
  Name: string;
  NodeID: string;
  NodeName: string;
  JobID: string;
  /** The job version this allocation runs. */
  Job: NomadJob;
  TaskGroup: string;
  DesiredStatus: NomadAllocDesiredStatus;
  DesiredDescription: string;
  ClientStatus: NomadAllocClientStatus;
  ClientDescription: string;
  TaskStates: Record<string, SimTaskState>;
  PreviousAllocation: string;
  NextAllocation: string;
  RescheduleEvents: { RescheduleTime: number; PrevAllocID: string; PrevNodeID: string; Delay: number }[];
  FollowupEvalID: string;
  /** Host ports of the group network: label, host value, container port. */
  Ports: { Label: string; Value: number; To: number; HostIP: string }[];
  CreateIndex: number;
  ModifyIndex: number;
  AllocModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

/** An evaluation. */
export interface SimEval {
  ID: string;
  Namespace: string;
  Priority: number;
  Type: string;
  TriggeredBy: string;
  JobID: string;
  JobModifyIndex: number;
  Status: SimEvalStatus;
  StatusDescription: string;
  WaitUntil: string | null;
  PreviousEval: string;
  BlockedEval: string;
  FailedTGAllocs: Record<string, SimAllocMetric> | null;
  QueuedAllocations: Record<string, number> | null;
  CreateIndex: number;
  ModifyIndex: number;
  CreateTime: number;
  ModifyTime: number;
}

/** A variable. */
export interface SimVariable {
  Namespace: string;
  Path: string;
  Items: Record<string, string>;
  CreateIndex: number;
  CreateTime: number;
  ModifyIndex: number;
  ModifyTime: number;
}

/** An error answered over HTTP: status and plain text, or a JSON body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly json?: unknown,
    /** `X-Nomad-Index` of the answer (Nomad sets it on a 404 job read too). */
    readonly index?: number,
  ) {
    super(message);
  }
}

/** Terminal client statuses. */
export function isTerminal(alloc: SimAlloc): boolean {
  return alloc.ClientStatus === 'complete' || alloc.ClientStatus === 'failed' || alloc.ClientStatus === 'lost';
}
