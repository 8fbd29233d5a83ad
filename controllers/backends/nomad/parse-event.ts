/**
 * Nomad event -> BackendEvent, keeping only events of this project's jobs (template jobs `template-<id>` and runner
 * jobs `<id>-<uuid>`). Routing is by Topic and payload, never by Type alone: Nomad derives Type from the raft
 * operation (a placement is `PlanResult`, a client update `AllocationUpdated`).
 */
import type { BackendEvent } from '../../../reconcilers/ports';
import { parseRunnerId, parseTemplateJobId } from '../../../reconcilers/naming';
import { allocationStateOf } from './parse-allocation';
import { jobStateFromJob } from './parse-job';
import type { NomadEvent } from './nomad-wire';

/** True for job ids this project manages (or adopts from the original service). */
export function isProjectJobId(jobId: string | undefined): jobId is string {
  return jobId !== undefined && (parseTemplateJobId(jobId) !== undefined || parseRunnerId(jobId) !== undefined);
}

/** Maps one event; undefined for other topics, other jobs, or payloads it cannot read. */
export function backendEventOf(event: NomadEvent): BackendEvent | undefined {
  const payload = event.Payload ?? {};
  switch (event.Topic) {
    case 'Job': {
      const job = payload.Job;
      const jobId = job?.ID ?? event.Key;
      if (!isProjectJobId(jobId)) return undefined;
      const type =
        event.Type === 'JobDeregistered' || event.Type === 'JobBatchDeregistered' ? event.Type : 'JobRegistered';
      const deleted = payload.Deleted === true || type !== 'JobRegistered';
      return {
        topic: 'Job',
        type,
        index: event.Index,
        key: jobId,
        ...(job && !deleted ? { job: jobStateFromJob(job) } : {}),
      };
    }
    case 'Allocation': {
      const allocation = payload.Allocation ? allocationStateOf(payload.Allocation) : undefined;
      if (!allocation || !isProjectJobId(allocation.jobId)) return undefined;
      return { topic: 'Allocation', type: event.Type, index: event.Index, key: allocation.id, allocation };
    }
    case 'Evaluation': {
      const evaluation = payload.Evaluation;
      if (!evaluation || !isProjectJobId(evaluation.JobID)) return undefined;
      return {
        topic: 'Evaluation',
        type: event.Type,
        index: event.Index,
        key: evaluation.ID ?? event.Key,
        jobId: evaluation.JobID,
        status: evaluation.Status ?? '',
      };
    }
    default:
      return undefined;
  }
}
