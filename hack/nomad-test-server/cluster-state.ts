/**
 * The double's raft state: one index counter, tables of jobs, allocations, evaluations and variables with their table
 * indexes, the event broker fed by every write, and waiting for blocking queries. Writes go through `commit`, which
 * takes the next index, runs the change, publishes its events (all with that index) and wakes waiters.
 */
import type { NomadEvent, NomadJob } from '../../controllers/backends/nomad/nomad-wire';
import type { RuntimeClock } from '../../controllers/runtime/timers';
import { EventBroker } from './event-broker';
import type { SimAlloc, SimEval, SimVariable } from './sim-types';
import { allocationWire, evaluationWire, jobStatus } from './wire-encoding';

/** The tables whose index a list or blocking query answers with. */
export type Table = 'jobs' | 'allocs' | 'evals' | 'vars';

/** Options of the state. */
export interface ClusterStateOptions {
  readonly clock: RuntimeClock;
  readonly newId: () => string;
  /** Raft entries kept for event-stream replay (Nomad's `event_buffer_size`, default 100). */
  readonly eventBufferSize: number;
}

const key = (namespace: string, id: string) => `${namespace}\u0000${id}`;

/** Tables, index and events. */
export class ClusterState {
  index = 0;
  readonly broker: EventBroker;
  readonly jobs = new Map<string, NomadJob>();
  readonly allocs = new Map<string, SimAlloc>();
  readonly evals = new Map<string, SimEval>();
  readonly vars = new Map<string, SimVariable>();
  readonly tableIndex: Record<Table, number> = { jobs: 0, allocs: 0, evals: 0, vars: 0 };
  private readonly waiters = new Set<() => void>();
  private readonly allocsByJob = new Map<string, Set<string>>();
  private readonly evalsByJob = new Map<string, Set<string>>();

  constructor(readonly options: ClusterStateOptions) {
    this.broker = new EventBroker(options.eventBufferSize);
  }

  /** Unix nanoseconds now. */
  nowNs(): number {
    return this.options.clock.now() * 1_000_000;
  }

  /** Runs one write at the next index; `change` returns the events of the write. */
  commit(tables: readonly Table[], change: (index: number) => NomadEvent[]): number {
    const index = ++this.index;
    const events = change(index);
    for (const table of tables) this.tableIndex[table] = index;
    this.broker.publish(index, events);
    for (const wake of [...this.waiters]) wake();
    return index;
  }

  /** Like `commit`, for writes that produce a value besides their events. */
  commitWith<T>(tables: readonly Table[], change: (index: number) => { value: T; events: NomadEvent[] }): T {
    let value: T | undefined;
    this.commit(tables, (index) => {
      const result = change(index);
      value = result.value;
      return result.events;
    });
    return value as T;
  }

  /** Resolves when `ready()` holds, `waitMs` passed, or `signal` aborted (Nomad's blocking queries). */
  waitFor(ready: () => boolean, waitMs: number, signal: AbortSignal): Promise<void> {
    if (ready() || waitMs <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const { clock } = this.options;
      const done = () => {
        clock.clearTimeout(timer);
        this.waiters.delete(check);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const check = () => {
        if (ready()) done();
      };
      const timer = clock.setTimeout(done, waitMs);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(check);
    });
  }

  job(namespace: string, id: string): NomadJob | undefined {
    return this.jobs.get(key(namespace, id));
  }

  putJob(job: NomadJob): void {
    this.jobs.set(key(job.Namespace, job.ID), job);
  }

  deleteJob(job: NomadJob): void {
    this.jobs.delete(key(job.Namespace, job.ID));
  }

  /** Allocations of one job, newest first. */
  jobAllocs(namespace: string, jobId: string): SimAlloc[] {
    const ids = this.allocsByJob.get(key(namespace, jobId)) ?? [];
    return [...ids]
      .map((id) => this.allocs.get(id))
      .filter((alloc): alloc is SimAlloc => alloc !== undefined)
      .sort((a, b) => b.CreateIndex - a.CreateIndex);
  }

  putAlloc(alloc: SimAlloc): void {
    this.allocs.set(alloc.ID, alloc);
    indexInto(this.allocsByJob, key(alloc.Namespace, alloc.JobID), alloc.ID);
  }

  deleteAlloc(alloc: SimAlloc): void {
    this.allocs.delete(alloc.ID);
    this.allocsByJob.get(key(alloc.Namespace, alloc.JobID))?.delete(alloc.ID);
  }

  putEval(evaluation: SimEval): void {
    this.evals.set(evaluation.ID, evaluation);
    indexInto(this.evalsByJob, key(evaluation.Namespace, evaluation.JobID), evaluation.ID);
  }

  deleteEval(evaluation: SimEval): void {
    this.evals.delete(evaluation.ID);
    this.evalsByJob.get(key(evaluation.Namespace, evaluation.JobID))?.delete(evaluation.ID);
  }

  /** Evaluations of one job. */
  jobEvals(namespace: string, jobId: string): SimEval[] {
    const ids = this.evalsByJob.get(key(namespace, jobId)) ?? [];
    return [...ids].map((id) => this.evals.get(id)).filter((e): e is SimEval => e !== undefined);
  }

  variable(namespace: string, path: string): SimVariable | undefined {
    return this.vars.get(key(namespace, path));
  }

  putVariable(variable: SimVariable): void {
    this.vars.set(key(variable.Namespace, variable.Path), variable);
  }

  deleteVariable(variable: SimVariable): void {
    this.vars.delete(key(variable.Namespace, variable.Path));
  }

  /**
   * Recomputes a job's status after its allocations or evaluations changed; returns the Job event when it changed
   * (Nomad emits it in the same raft entry, with that entry's Type).
   */
  refreshJobStatus(namespace: string, jobId: string, index: number, type: string): NomadEvent[] {
    const job = this.job(namespace, jobId);
    if (!job) return [];
    const open = this.jobEvals(namespace, jobId).some(
      (evaluation) => evaluation.Status === 'pending' || evaluation.Status === 'blocked',
    );
    const status = jobStatus(job, this.jobAllocs(namespace, jobId), open);
    if (status === job.Status) return [];
    const updated = { ...job, Status: status, ModifyIndex: index };
    this.putJob(updated);
    this.tableIndex.jobs = index;
    return [jobEvent(type, updated, index)];
  }

  /** Forgets everything (a `-dev` agent restart): tables, index, event buffer. */
  wipe(): void {
    this.jobs.clear();
    this.allocs.clear();
    this.evals.clear();
    this.vars.clear();
    this.allocsByJob.clear();
    this.evalsByJob.clear();
    this.index = 0;
    for (const table of Object.keys(this.tableIndex) as Table[]) this.tableIndex[table] = 0;
    this.broker.clear();
  }
}

function indexInto(index: Map<string, Set<string>>, group: string, id: string): void {
  let ids = index.get(group);
  if (!ids) index.set(group, (ids = new Set()));
  ids.add(id);
}

/** A Job-topic event. */
export function jobEvent(type: string, job: NomadJob, index: number, deleted = false): NomadEvent {
  return {
    Topic: 'Job',
    Type: type,
    Key: job.ID,
    Namespace: job.Namespace,
    FilterKeys: null,
    Index: index,
    Payload: deleted ? { Job: job, Deleted: true } : { Job: job },
  };
}

/** An Allocation-topic event (payload without Job). */
export function allocEvent(type: string, alloc: SimAlloc, index: number): NomadEvent {
  return {
    Topic: 'Allocation',
    Type: type,
    Key: alloc.ID,
    Namespace: alloc.Namespace,
    FilterKeys: [alloc.JobID, ''],
    Index: index,
    Payload: { Allocation: allocationWire(alloc, false) },
  };
}

/** An Evaluation-topic event. */
export function evalEvent(type: string, evaluation: SimEval, index: number): NomadEvent {
  return {
    Topic: 'Evaluation',
    Type: type,
    Key: evaluation.ID,
    Namespace: evaluation.Namespace,
    FilterKeys: [evaluation.JobID, ''],
    Index: index,
    Payload: { Evaluation: evaluationWire(evaluation) },
  };
}
