/**
 * Register and deregister as Nomad's job endpoint does them: `{Job}` required, namespace precedence (query over body
 * over job), canonicalisation and validation (500 with multierror text), the `EnforceIndex` check-and-set (500
 * `Enforcing job modify index ...`), no new version for an unchanged spec (only an evaluation), and purge.
 */
import type {
  NomadJob,
  NomadJobDeregisterResponse,
  NomadJobRegisterRequest,
  NomadJobRegisterResponse,
} from '../../controllers/backends/nomad/nomad-wire';
import { evalEvent, jobEvent, type ClusterState } from './cluster-state';
import { canonicalJob, definitionOf, validateJob } from './job-canonical';
import type { Scheduler } from './scheduler';
import { HttpError, type SimEval } from './sim-types';

/** Job writes. */
export class JobOperations {
  constructor(
    private readonly state: ClusterState,
    private readonly scheduler: Scheduler,
    private readonly newId: () => string,
  ) {}

  /** `PUT /v1/jobs`. `queryNamespace` is the `namespace` parameter when given. */
  register(body: unknown, queryNamespace: string | undefined): NomadJobRegisterResponse {
    const request = body as Partial<NomadJobRegisterRequest> | null;
    if (!request || typeof request !== 'object' || !request.Job || typeof request.Job !== 'object') {
      throw new HttpError(400, 'Job must be specified');
    }
    if (!request.Job.ID) throw new HttpError(400, "Job ID hasn't been provided");
    const namespace = queryNamespace || request.Namespace || request.Job.Namespace || 'default';
    const job = canonicalJob(request.Job, namespace);
    const invalid = validateJob(job);
    if (invalid) throw new HttpError(500, invalid);
    const existing = this.state.job(namespace, job.ID);
    if (request.EnforceIndex) enforceIndex(existing, request.JobModifyIndex ?? 0);
    if (existing && !existing.Stop && definitionOf(existing) === definitionOf(job)) {
      // As Nomad: no new version, only an evaluation; JobModifyIndex answers the job's ModifyIndex (not its
      // JobModifyIndex), the index a status change may have moved.
      const evaluation = this.commitEval(existing, 'job-register', 'EvaluationUpdated');
      return registerResponse(evaluation, existing.ModifyIndex);
    }
    const evaluation = this.state.commitWith(['jobs', 'evals'], (index) => {
      const stored: NomadJob = {
        ...job,
        Version: existing ? existing.Version + 1 : 0,
        SubmitTime: this.state.nowNs(),
        CreateIndex: existing?.CreateIndex ?? index,
        ModifyIndex: index,
        JobModifyIndex: index,
        Status: existing?.Status ?? 'pending',
      };
      this.state.putJob(stored);
      const value = this.newEval(stored, 'job-register', index);
      this.state.putEval(value);
      return { value, events: [jobEvent('JobRegistered', stored, index), evalEvent('JobRegistered', value, index)] };
    });
    this.scheduler.enqueue(evaluation.ID);
    return registerResponse(evaluation, evaluation.JobModifyIndex);
  }

  /** `DELETE /v1/job/:id`; an unknown job answers 200 with empty fields. */
  deregister(namespace: string, id: string, purge: boolean): NomadJobDeregisterResponse {
    const job = this.state.job(namespace, id);
    if (!job) return deregisterResponse('', 0, 0);
    const evaluation = this.state.commitWith(['jobs', 'evals'], (i) => {
      const stopped: NomadJob = { ...job, Stop: true, ModifyIndex: i, JobModifyIndex: i };
      if (purge) this.state.deleteJob(job);
      else this.state.putJob(stopped);
      const value = this.newEval(stopped, 'job-deregister', i);
      this.state.putEval(value);
      const events = [
        jobEvent('JobDeregistered', purge ? job : stopped, i, purge),
        evalEvent('JobDeregistered', value, i),
      ];
      return { value, events };
    });
    this.scheduler.enqueue(evaluation.ID);
    return deregisterResponse(evaluation.ID, evaluation.CreateIndex, evaluation.CreateIndex);
  }

  private commitEval(job: NomadJob, trigger: string, type: string): SimEval {
    const evaluation = this.state.commitWith(['evals'], (index) => {
      const value = this.newEval(job, trigger, index);
      this.state.putEval(value);
      return { value, events: [evalEvent(type, value, index)] };
    });
    this.scheduler.enqueue(evaluation.ID);
    return evaluation;
  }

  private newEval(job: NomadJob, trigger: string, index: number): SimEval {
    const now = this.state.nowNs();
    return {
      ID: this.newId(),
      Namespace: job.Namespace,
      Priority: job.Priority,
      Type: job.Type,
      TriggeredBy: trigger,
      JobID: job.ID,
      JobModifyIndex: job.JobModifyIndex,
      Status: 'pending',
      StatusDescription: '',
      WaitUntil: null,
      PreviousEval: '',
      BlockedEval: '',
      FailedTGAllocs: null,
      QueuedAllocations: null,
      CreateIndex: index,
      ModifyIndex: index,
      CreateTime: now,
      ModifyTime: now,
    };
  }
}

function enforceIndex(existing: NomadJob | undefined, expected: number): void {
  const prefix = `Enforcing job modify index ${expected}`;
  if (expected === 0 && existing) throw new HttpError(500, `${prefix}: job already exists`);
  if (expected !== 0 && !existing) throw new HttpError(500, `${prefix}: job does not exist`);
  if (existing && expected !== 0 && existing.JobModifyIndex !== expected) {
    throw new HttpError(500, `${prefix}: job exists with conflicting job modify index: ${existing.JobModifyIndex}`);
  }
}

function registerResponse(evaluation: SimEval, jobModifyIndex: number): NomadJobRegisterResponse {
  return {
    EvalID: evaluation.ID,
    EvalCreateIndex: evaluation.CreateIndex,
    JobModifyIndex: jobModifyIndex,
    Warnings: '',
    Index: evaluation.CreateIndex,
    LastContact: 0,
    KnownLeader: false,
    NextToken: '',
  };
}

function deregisterResponse(evalId: string, evalIndex: number, jobModifyIndex: number): NomadJobDeregisterResponse {
  return {
    EvalID: evalId,
    EvalCreateIndex: evalIndex,
    JobModifyIndex: jobModifyIndex,
    VolumeEvalID: '',
    VolumeEvalIndex: 0,
    Index: evalIndex,
    LastContact: 0,
    KnownLeader: false,
    NextToken: '',
  };
}
