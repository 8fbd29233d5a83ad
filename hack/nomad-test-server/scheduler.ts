/**
 * The double's scheduler: evaluations are processed one at a time, off the request path (like Nomad's workers). A
 * plan (plan-allocations.ts) is committed as one raft entry of Type `PlanResult` (new allocations pending, stopped
 * ones with DesiredStatus stop, the evaluation complete), then the client node starts and stops tasks. With the
 * `failPlacements` fault the evaluation completes with `FailedTGAllocs` and a blocked evaluation, which is retried
 * once placements work again.
 */
import type { NomadJob } from '../../controllers/backends/nomad/nomad-wire';
import { allocEvent, evalEvent, type ClusterState } from './cluster-state';
import type { ClientNode } from './client-node';
import { planAllocations, type AllocationPlan, type Placement } from './plan-allocations';
import type { SimAlloc, SimAllocMetric, SimEval } from './sim-types';

/** The node every allocation is placed on. */
export interface NodeInfo {
  readonly ID: string;
  readonly Name: string;
}

/** Scheduler dependencies. */
export interface SchedulerDeps {
  readonly state: ClusterState;
  readonly node: NodeInfo;
  readonly newId: () => string;
  /** True while placements must fail (fault switch). */
  readonly placementsFail: () => boolean;
}

/** Processes evaluations. */
export class Scheduler {
  private readonly queue: string[] = [];
  private draining = false;
  private client: ClientNode | undefined;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => undefined;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Connects the client node (they need each other). */
  attach(client: ClientNode): void {
    this.client = client;
  }

  /** Queues an evaluation. */
  enqueue(evalId: string): void {
    this.queue.push(evalId);
    if (this.draining) return;
    this.draining = true;
    this.idle = new Promise((resolve) => (this.markIdle = resolve));
    setImmediate(() => this.drain());
  }

  /** Resolves when the queue is empty. */
  settled(): Promise<void> {
    return this.idle;
  }

  /** Re-queues blocked evaluations (after placements work again). */
  unblock(): void {
    for (const evaluation of this.deps.state.evals.values()) {
      if (evaluation.Status !== 'blocked') continue;
      const pending = { ...evaluation, Status: 'pending' as const };
      this.deps.state.commit(['evals'], (index) => {
        pending.ModifyIndex = index;
        this.deps.state.putEval(pending);
        return [evalEvent('EvaluationUpdated', pending, index)];
      });
      this.enqueue(pending.ID);
    }
  }

  private drain(): void {
    for (let budget = 0; budget < 200 && this.queue.length > 0; budget += 1) {
      const evalId = this.queue.shift() as string;
      try {
        this.process(evalId);
      } catch (error) {
        // a bug in the double must not wedge the queue
        console.error('nomad test server: evaluation failed', evalId, error);
      }
    }
    if (this.queue.length > 0) return void setImmediate(() => this.drain());
    this.draining = false;
    this.markIdle();
  }

  private process(evalId: string): void {
    const evaluation = this.deps.state.evals.get(evalId);
    if (!evaluation || evaluation.Status !== 'pending') return;
    const job = this.deps.state.job(evaluation.Namespace, evaluation.JobID);
    const plan = planAllocations(job, this.deps.state.jobAllocs(evaluation.Namespace, evaluation.JobID), evaluation);
    if (job && plan.place.length > 0 && this.deps.placementsFail()) return this.block(evaluation, plan.place);
    const placed = this.apply(evaluation, job, plan);
    for (const alloc of placed) void this.client?.start(alloc);
    for (const { alloc } of plan.stop) void this.client?.stop(alloc);
  }

  private apply(evaluation: SimEval, job: NomadJob | undefined, plan: AllocationPlan): SimAlloc[] {
    const { state } = this.deps;
    const placed: SimAlloc[] = [];
    state.commit(['allocs', 'evals', 'jobs'], (index) => {
      const events = [];
      const now = state.nowNs();
      const touch = (alloc: SimAlloc, edit: (a: SimAlloc) => void) => {
        const next = structuredClone(state.allocs.get(alloc.ID) ?? alloc);
        edit(next);
        Object.assign(next, { ModifyIndex: index, AllocModifyIndex: index, ModifyTime: now });
        state.putAlloc(next);
        events.push(allocEvent('PlanResult', next, index));
      };
      for (const { alloc, description } of plan.stop)
        touch(alloc, (a) => Object.assign(a, { DesiredStatus: 'stop', DesiredDescription: description }));
      for (const alloc of plan.inPlace) if (job) touch(alloc, (a) => (a.Job = job));
      for (const placement of plan.place) {
        if (!job) continue;
        const alloc = this.newAlloc(job, placement, evaluation, index);
        placed.push(alloc);
        state.putAlloc(alloc);
        events.push(allocEvent('PlanResult', alloc, index));
        if (placement.previous) touch(placement.previous, (a) => linkReplacement(a, alloc, placement));
      }
      const done: SimEval = { ...evaluation, Status: 'complete', ModifyIndex: index, ModifyTime: now };
      state.putEval(done);
      events.push(evalEvent('PlanResult', done, index));
      return [...events, ...state.refreshJobStatus(evaluation.Namespace, evaluation.JobID, index, 'PlanResult')];
    });
    return placed;
  }

  private block(evaluation: SimEval, placements: Placement[]): void {
    const { state } = this.deps;
    state.commit(['evals', 'jobs'], (index) => {
      const now = state.nowNs();
      const blocked: SimEval = {
        ...evaluation,
        ID: this.deps.newId(),
        Status: 'blocked',
        TriggeredBy: 'queued-allocs',
        StatusDescription: 'created to place remaining allocations',
        PreviousEval: evaluation.ID,
        CreateIndex: index,
        ModifyIndex: index,
        CreateTime: now,
        ModifyTime: now,
      };
      const failedGroups = Object.fromEntries(placements.map((p) => [p.group.Name, exhaustedMetric()]));
      const done: SimEval = {
        ...evaluation,
        Status: 'complete',
        BlockedEval: blocked.ID,
        FailedTGAllocs: failedGroups,
        ModifyIndex: index,
      };
      state.putEval(done);
      state.putEval(blocked);
      return [
        evalEvent('EvaluationUpdated', done, index),
        evalEvent('EvaluationUpdated', blocked, index),
        ...state.refreshJobStatus(evaluation.Namespace, evaluation.JobID, index, 'EvaluationUpdated'),
      ];
    });
  }

  private newAlloc(job: NomadJob, placement: Placement, evaluation: SimEval, index: number): SimAlloc {
    const now = this.deps.state.nowNs();
    const previous = placement.previous;
    const rescheduled = placement.reason === 'reschedule' || placement.reason === 'lost';
    return {
      ID: this.deps.newId(),
      Namespace: job.Namespace,
      EvalID: evaluation.ID,
      Name: placement.name,
      NodeID: this.deps.node.ID,
      NodeName: this.deps.node.Name,
      JobID: job.ID,
      Job: job,
      TaskGroup: placement.group.Name,
      DesiredStatus: 'run',
      DesiredDescription: '',
      ClientStatus: 'pending',
      ClientDescription: '',
      TaskStates: {},
      PreviousAllocation: previous?.ID ?? '',
      NextAllocation: '',
      RescheduleEvents:
        rescheduled && previous
          ? [
              ...previous.RescheduleEvents,
              { RescheduleTime: now, PrevAllocID: previous.ID, PrevNodeID: previous.NodeID, Delay: 0 },
            ]
          : [],
      FollowupEvalID: '',
      Ports: [],
      CreateIndex: index,
      ModifyIndex: index,
      AllocModifyIndex: index,
      CreateTime: now,
      ModifyTime: now,
    };
  }
}

function linkReplacement(previous: SimAlloc, replacement: SimAlloc, placement: Placement): void {
  previous.NextAllocation = replacement.ID;
  if (placement.reason === 'reschedule' || placement.reason === 'lost') {
    previous.DesiredStatus = 'stop';
    previous.DesiredDescription = 'alloc was rescheduled because it failed';
  }
}

function exhaustedMetric(): SimAllocMetric {
  return {
    NodesEvaluated: 1,
    NodesFiltered: 0,
    NodesInPool: 1,
    NodePool: 'default',
    NodesAvailable: { dc1: 1 },
    ClassFiltered: null,
    ConstraintFiltered: null,
    NodesExhausted: 1,
    ClassExhausted: null,
    DimensionExhausted: { memory: 1 },
    QuotaExhausted: null,
    ResourcesExhausted: null,
    Scores: null,
    ScoreMetaData: null,
    AllocationTime: 1000,
    CoalescedFailures: 0,
  };
}
