/**
 * The double's client node: it runs placed allocations on the runtime and reports their task states the way a Nomad
 * client does (pending -> running; `Terminated` + `Restarting` and an in-place restart while the restart policy
 * allows; `Not Restarting`, failed, and a follow-up evaluation when the reschedule policy allows; complete when
 * stopped; lost when its node is gone).
 */
import type { Logger } from 'pino';
import type { NomadTaskEvent } from '../../controllers/backends/nomad/nomad-wire';
import { jobStateFromJob } from '../../controllers/backends/nomad/parse-job';
import type { RuntimeClock } from '../../controllers/runtime/timers';
import type { AllocationRuntime } from './allocation-runtime';
import { allocEvent, evalEvent, type ClusterState } from './cluster-state';
import { isTerminal, type SimAlloc, type SimEval } from './sim-types';
import { oomTerminated, rfc3339, taskEvent, taskState } from './task-events';

/** Timing of the simulated client (real Nomad: 15 s restart delay, 1 min reschedule delay). */
export interface ClientTiming {
  readonly restartDelayMs: number;
  readonly rescheduleDelayMs: number;
}

/** What the client needs. */
export interface ClientDeps {
  readonly state: ClusterState;
  readonly runtime: AllocationRuntime;
  readonly timing: ClientTiming;
  readonly clock: RuntimeClock;
  readonly newId: () => string;
  readonly logger: Logger;
  /** Hands an evaluation to the scheduler. */
  readonly enqueueEval: (evalId: string) => void;
}

/** The task of an allocation (Poseidon's `default-task`, or the group's first task). */
function taskNameOf(alloc: SimAlloc): string {
  const group = (alloc.Job.TaskGroups ?? []).find((g) => g.Name === alloc.TaskGroup);
  return group?.Tasks?.find((task) => task.Name === 'default-task')?.Name ?? group?.Tasks?.[0]?.Name ?? 'task';
}

/** Simulated client node. */
export class ClientNode {
  private readonly timers = new Set<ReturnType<RuntimeClock['setTimeout']>>();

  constructor(private readonly deps: ClientDeps) {}

  /** Starts a placed allocation's task. */
  async start(alloc: SimAlloc): Promise<void> {
    try {
      const { ports } = await this.deps.runtime.start({
        allocationId: alloc.ID,
        jobId: alloc.JobID,
        settings: jobStateFromJob(alloc.Job).settings,
        env: taskEnv(alloc, taskNameOf(alloc)),
      });
      const current = this.deps.state.allocs.get(alloc.ID);
      if (!current || current.DesiredStatus !== 'run' || isTerminal(current)) {
        await this.deps.runtime.stop(alloc.ID);
        return;
      }
      const now = this.deps.state.nowNs();
      const started = [taskEvent('Received', now), taskEvent('Task Setup', now), taskEvent('Started', now)];
      this.update(alloc.ID, 'AllocationUpdated', (a) => {
        a.ClientStatus = 'running';
        a.Ports = ports.map((p) => ({ Label: p.label, Value: p.value, To: p.to, HostIP: p.hostIp }));
        a.TaskStates[taskNameOf(a)] = taskState(a.TaskStates[taskNameOf(a)], 'running', started, {
          StartedAt: rfc3339(now),
        });
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, alloc: alloc.ID }, 'nomad test server: task failed to start');
      this.fail(alloc.ID, 'Driver Failure', (error as Error).message);
    }
  }

  /** Stops a task whose allocation was told to stop; reports it complete. */
  async stop(alloc: SimAlloc): Promise<void> {
    await this.deps.runtime.stop(alloc.ID).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, alloc: alloc.ID }, 'nomad test server: task stop failed');
    });
    const now = this.deps.state.nowNs();
    this.update(alloc.ID, 'AllocationUpdated', (a) => {
      if (isTerminal(a)) return false;
      a.ClientStatus = 'complete';
      const name = taskNameOf(a);
      a.TaskStates[name] = taskState(
        a.TaskStates[name],
        'dead',
        [taskEvent('Killing', now), taskEvent('Killed', now)],
        {
          FinishedAt: rfc3339(now),
        },
      );
    });
  }

  /** The task died (`oom`: killed by the OOM killer): restart in place, or fail and maybe reschedule. */
  taskDied(allocId: string, message: string, oom: boolean): void {
    const alloc = this.deps.state.allocs.get(allocId);
    if (!alloc || isTerminal(alloc) || alloc.DesiredStatus !== 'run') return;
    const now = this.deps.state.nowNs();
    const terminated = oom ? oomTerminated(now) : taskEvent('Terminated', now, { ExitCode: 1, Message: message });
    const name = taskNameOf(alloc);
    const policy = groupOf(alloc)?.RestartPolicy;
    const restarts = alloc.TaskStates[name]?.Restarts ?? 0;
    if (restarts < (policy?.Attempts ?? 0)) {
      this.update(allocId, 'AllocationUpdated', (a) => {
        a.ClientStatus = 'pending';
        const events = [terminated, taskEvent('Restarting', now, { Message: 'Task restarting in 15s' })];
        a.TaskStates[name] = taskState(a.TaskStates[name], 'pending', events);
      });
      this.later(this.deps.timing.restartDelayMs, () => void this.restart(allocId));
      return;
    }
    this.fail(allocId, 'Not Restarting', 'Exceeded allowed attempts', [terminated]);
  }

  /** Marks the allocation failed now (reschedule fault or driver failure), then applies the reschedule policy. */
  fail(allocId: string, type: string, message: string, before: NomadTaskEvent[] = []): void {
    const now = this.deps.state.nowNs();
    void this.deps.runtime.stop(allocId).catch(() => undefined);
    const changed = this.update(allocId, 'AllocationUpdated', (a) => {
      if (isTerminal(a)) return false;
      a.ClientStatus = 'failed';
      const name = taskNameOf(a);
      const events = [...before, taskEvent(type, now, { Message: message, FailsTask: true })];
      a.TaskStates[name] = taskState(a.TaskStates[name], 'dead', events, { Failed: true, FinishedAt: rfc3339(now) });
    });
    if (changed) this.reschedule(allocId);
  }

  /** The node lost the allocation: lost, and a replacement evaluation. */
  lose(allocId: string): void {
    void this.deps.runtime.stop(allocId).catch(() => undefined);
    const alloc = this.deps.state.allocs.get(allocId);
    if (!alloc || isTerminal(alloc)) return;
    const evaluation = this.newEval(alloc, 'node-update', 'pending');
    this.update(allocId, 'AllocationUpdated', (a) => {
      a.ClientStatus = 'lost';
      a.ClientDescription = 'alloc is lost since its node is down';
      this.deps.state.putEval(evaluation);
      return [evalEvent('AllocationUpdated', evaluation, a.ModifyIndex)];
    });
    this.deps.enqueueEval(evaluation.ID);
  }

  /** Cancels pending restarts and reschedules. */
  close(): void {
    for (const timer of this.timers) this.deps.clock.clearTimeout(timer);
    this.timers.clear();
  }

  private async restart(allocId: string): Promise<void> {
    const alloc = this.deps.state.allocs.get(allocId);
    if (!alloc || isTerminal(alloc) || alloc.DesiredStatus !== 'run') return;
    await this.deps.runtime.stop(allocId).catch(() => undefined);
    const name = taskNameOf(alloc);
    const restarts = (alloc.TaskStates[name]?.Restarts ?? 0) + 1;
    try {
      const settings = jobStateFromJob(alloc.Job).settings;
      await this.deps.runtime.start({ allocationId: allocId, jobId: alloc.JobID, settings, env: taskEnv(alloc, name) });
    } catch (error) {
      return this.fail(allocId, 'Driver Failure', (error as Error).message);
    }
    const now = this.deps.state.nowNs();
    this.update(allocId, 'AllocationUpdated', (a) => {
      if (a.DesiredStatus !== 'run' || isTerminal(a)) return false;
      a.ClientStatus = 'running';
      a.TaskStates[name] = taskState(a.TaskStates[name], 'running', [taskEvent('Started', now)], {
        Restarts: restarts,
        LastRestart: rfc3339(now),
      });
    });
  }

  private reschedule(allocId: string): void {
    const alloc = this.deps.state.allocs.get(allocId);
    const policy = alloc ? groupOf(alloc)?.ReschedulePolicy : undefined;
    if (!alloc || !policy || alloc.Job.Stop) return;
    const now = this.deps.state.nowNs();
    const recent = alloc.RescheduleEvents.filter((e) => now - e.RescheduleTime < (policy.Interval ?? 0)).length;
    if (!policy.Unlimited && recent >= (policy.Attempts ?? 0)) return;
    const evaluation = this.newEval(alloc, 'alloc-failure', 'pending');
    evaluation.WaitUntil = rfc3339(now + this.deps.timing.rescheduleDelayMs * 1_000_000);
    this.update(allocId, 'AllocationUpdated', (a) => {
      a.FollowupEvalID = evaluation.ID;
      this.deps.state.putEval(evaluation);
      return [evalEvent('AllocationUpdated', evaluation, a.ModifyIndex)];
    });
    this.later(this.deps.timing.rescheduleDelayMs, () => this.deps.enqueueEval(evaluation.ID));
  }

  private newEval(alloc: SimAlloc, trigger: string, status: SimEval['Status']): SimEval {
    const now = this.deps.state.nowNs();
    return {
      ID: this.deps.newId(),
      Namespace: alloc.Namespace,
      Priority: alloc.Job.Priority,
      Type: alloc.Job.Type,
      TriggeredBy: trigger,
      JobID: alloc.JobID,
      JobModifyIndex: alloc.Job.JobModifyIndex,
      Status: status,
      StatusDescription: '',
      WaitUntil: null,
      PreviousEval: alloc.EvalID,
      BlockedEval: '',
      FailedTGAllocs: null,
      QueuedAllocations: null,
      CreateIndex: this.deps.state.index + 1,
      ModifyIndex: this.deps.state.index + 1,
      CreateTime: now,
      ModifyTime: now,
    };
  }

  /**
   * Applies `change` to a copy of the allocation at the next index (`false` = no change) and publishes it with its
   * job's status change; extra events returned by `change` ride in the same entry. True when something changed.
   */
  private update(
    allocId: string,
    type: string,
    change: (alloc: SimAlloc) => false | void | ReturnType<typeof evalEvent>[],
  ): boolean {
    const current = this.deps.state.allocs.get(allocId);
    if (!current) return false;
    const next: SimAlloc = structuredClone(current);
    const index = this.deps.state.index + 1;
    next.ModifyIndex = index;
    next.ModifyTime = this.deps.state.nowNs();
    const extra = change(next);
    if (extra === false) return false;
    this.deps.state.commit(['allocs', 'evals'], (i) => {
      this.deps.state.putAlloc(next);
      const events = [allocEvent(type, next, i), ...(extra ?? [])];
      return [...events, ...this.deps.state.refreshJobStatus(next.Namespace, next.JobID, i, type)];
    });
    return true;
  }

  private later(delayMs: number, run: () => void): void {
    const timer = this.deps.clock.setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, delayMs);
    this.timers.add(timer);
  }
}

function groupOf(alloc: SimAlloc) {
  return (alloc.Job.TaskGroups ?? []).find((group) => group.Name === alloc.TaskGroup);
}

/** The `NOMAD_*` variables a Nomad client puts into a task's environment. */
export function taskEnv(alloc: SimAlloc, task: string): Record<string, string> {
  return {
    NOMAD_ALLOC_ID: alloc.ID,
    NOMAD_ALLOC_NAME: alloc.Name,
    NOMAD_JOB_ID: alloc.JobID,
    NOMAD_JOB_NAME: alloc.Job.Name,
    NOMAD_GROUP_NAME: alloc.TaskGroup,
    NOMAD_TASK_NAME: task,
    NOMAD_NAMESPACE: alloc.Namespace,
    NOMAD_DC: 'dc1',
    NOMAD_REGION: 'global',
  };
}
