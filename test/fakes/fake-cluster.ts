/**
 * The state and world model of the fake backend: jobs and allocations under one global index, an allocation per job
 * that is replaced when the job's settings change, a bounded event log, and the controls tests use to drive the world
 * (allocations start, fail, get OOM-killed or rescheduled; the agent restarts). {@link FakeBackend} puts the port
 * surface, call counters and injected failures on top.
 *
 * Deviations from Nomad, on purpose: a deregister purges the job and garbage-collects its allocations at once; a
 * job's status change is published as a `Job` event of type `JobRegistered` (the port's type union has no other).
 */
import { PoseidonError } from '../../crds/errors';
import type {
  AllocationClientStatus,
  AllocationState,
  BackendEvent,
  Clock,
  JobSpec,
  JobState,
  Listed,
  RegisterOptions,
  TaskEvent,
  TaskSettings,
} from '../../reconcilers/ports';
import { FakeEventLog } from './fake-event-log';
import {
  allocationEvent,
  checkEnforceIndex,
  cmp,
  evaluationEvent,
  freezeAlloc,
  freezeJob,
  isTerminal,
  jobEvent,
  jobStatusFor,
  sameMeta,
  sameSettings,
  stopAllocation,
  taskEventFor,
  taskStateFor,
  type AllocationStatusOptions,
} from './fake-objects';

/** Options of the fake world. */
export interface FakeClusterOptions {
  /** Batches (indexes) the event buffer keeps; older ones are lost and resuming before them is a gap. Default 100. */
  eventBufferSize?: number;
  /** Allocations become `running` on the next tick after they are placed. Default false. */
  autoRun?: boolean;
  /** Source of task event times. Default: `Date.now`. */
  clock?: Clock;
  /** Allocation id generator. Default: deterministic counter-based UUIDs. */
  newId?: () => string;
}

/** Jobs, allocations, the event log and the world controls. */
export class FakeCluster {
  /** When true, placed allocations become `running` on the next tick (changeable at any time). */
  autoRun: boolean;

  protected currentIndex = 0;
  protected readonly jobs = new Map<string, JobState>();
  /** Allocations per job, newest first. */
  protected readonly allocs = new Map<string, AllocationState[]>();
  protected readonly log: FakeEventLog;
  private readonly pendingStarts = new Set<NodeJS.Immediate>();
  private readonly clock: Clock;
  private readonly newId: () => string;
  private nextPort = 20000;

  constructor(options: FakeClusterOptions = {}) {
    this.autoRun = options.autoRun ?? false;
    this.clock = options.clock ?? { now: () => Date.now() };
    let counter = 0;
    this.newId = options.newId ?? (() => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`);
    this.log = new FakeEventLog(options.eventBufferSize ?? 100);
  }

  /** The backend's current index (the index of the last write). */
  get index(): number {
    return this.currentIndex;
  }

  /** Number of event streams currently open. */
  get openEventStreams(): number {
    return this.log.openStreams;
  }

  /** Ids of every job, sorted. */
  jobIds(): string[] {
    return [...this.jobs.keys()].sort();
  }

  /**
   * Sets the client status of the job's newest allocation (as its Nomad client would report it), with the matching
   * task state and task event, and updates the job's status. Throws when the job has no allocation.
   */
  setAllocationStatus(
    jobId: string,
    clientStatus: AllocationClientStatus,
    options: AllocationStatusOptions = {},
  ): AllocationState {
    const current = this.newestAllocation(jobId);
    const index = this.bump();
    const taskEvent = taskEventFor(clientStatus, this.nowNs(), options);
    const updated = freezeAlloc({
      ...current,
      clientStatus,
      desiredStatus: options.desiredStatus ?? current.desiredStatus,
      modifyIndex: index,
      taskState: taskStateFor(clientStatus, current.taskState),
      taskEvents: taskEvent ? [...current.taskEvents, taskEvent].slice(-10) : current.taskEvents,
    });
    this.replaceAllocation(updated);
    this.log.publish(index, [
      allocationEvent('AllocationUpdated', index, updated),
      ...this.refreshJobStatus(jobId, index),
    ]);
    return updated;
  }

  /**
   * OOM-kills the job's running task. With `restart` (default) the task restarts in place: the allocation goes back to
   * `pending` with one more restart (and to `running` again with autoRun); without it, the allocation fails.
   */
  oomKill(jobId: string, options: { restart?: boolean } = {}): AllocationState {
    const current = this.newestAllocation(jobId);
    const now = this.nowNs();
    const killed: TaskEvent = { type: 'Terminated', time: now, exitCode: 137, oomKilled: true, message: 'OOM Killed' };
    if (options.restart === false) return this.setAllocationStatus(jobId, 'failed', { exitCode: 137, oomKilled: true });
    const index = this.bump();
    const restarting: TaskEvent = { type: 'Restarting', time: now, message: 'Restart within policy' };
    const updated = freezeAlloc({
      ...current,
      clientStatus: 'pending',
      modifyIndex: index,
      taskState: 'pending',
      restarts: current.restarts + 1,
      taskEvents: [...current.taskEvents, killed, restarting].slice(-10),
    });
    this.replaceAllocation(updated);
    this.log.publish(index, [
      allocationEvent('AllocationUpdated', index, updated),
      ...this.refreshJobStatus(jobId, index),
    ]);
    this.scheduleAutoRun(jobId, updated.id);
    return updated;
  }

  /** The job's allocation is lost (its node died) and Nomad places a replacement with `previousAllocationId`. */
  reschedule(jobId: string): AllocationState {
    this.newestAllocation(jobId);
    return this.place(jobId, 'PlanResult', 'lost');
  }

  /**
   * Simulates an agent restart: open event streams break (`BackendUnavailable`) and the event buffer is lost, so
   * resuming from an index before now is a gap. With `resetIndex` the index also starts again from 1 (as a dev agent
   * without persistent state would), so resuming from any earlier index is a gap. Jobs and allocations stay.
   */
  restart(options: { resetIndex?: boolean } = {}): void {
    this.log.breakAll(new PoseidonError('BackendUnavailable', 'the fake backend restarted'));
    if (options.resetIndex) this.resetIndexes();
    this.log.clear(this.currentIndex);
  }

  /** Breaks every open event stream (`BackendUnavailable`) without losing buffered events. */
  breakEventStreams(): void {
    this.log.breakAll(new PoseidonError('BackendUnavailable', 'event stream dropped'));
  }

  /** Resolves once no automatic start is pending (after autoRun placements have become `running`). */
  async settled(): Promise<void> {
    while (this.pendingStarts.size > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Cancels pending automatic starts and breaks open event streams; state stays. */
  protected halt(): void {
    for (const handle of this.pendingStarts) clearImmediate(handle);
    this.pendingStarts.clear();
    this.log.breakAll(new PoseidonError('BackendUnavailable', 'the fake backend stopped'));
  }

  /** Registers a job the way Nomad does (check-and-set, new version, placement on a settings change). */
  protected applyRegister(job: JobSpec, options: RegisterOptions): { index: number; jobModifyIndex: number } {
    const existing = this.jobs.get(job.id);
    checkEnforceIndex(job.id, existing, options.enforceIndex);
    if (existing && sameSettings(existing.settings, job.settings) && sameMeta(existing.meta, job.meta)) {
      const index = this.bump();
      this.log.publish(index, [evaluationEvent('EvaluationUpdated', index, job.id, 'complete')]);
      return { index, jobModifyIndex: existing.jobModifyIndex };
    }
    const index = this.bump();
    const state: JobState = freezeJob({
      id: job.id,
      settings: job.settings,
      meta: job.meta,
      status: existing?.status ?? 'pending',
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
      jobModifyIndex: index,
      version: existing ? existing.version + 1 : 0,
    });
    this.jobs.set(job.id, state);
    this.log.publish(index, [jobEvent('JobRegistered', index, state), evaluationEvent('JobRegistered', index, job.id)]);
    if (!existing || !sameSettings(existing.settings, job.settings)) this.place(job.id, 'PlanResult');
    return { index, jobModifyIndex: index };
  }

  /** Stops the job's allocations and purges it; an unknown job is a no-op. */
  protected applyDeregister(id: string): { index: number } {
    const job = this.jobs.get(id);
    if (!job) return { index: this.currentIndex };
    const index = this.bump();
    const events: BackendEvent[] = [];
    for (const alloc of this.allocs.get(id) ?? []) {
      if (alloc.desiredStatus === 'stop' && isTerminal(alloc.clientStatus)) continue;
      events.push(allocationEvent('PlanResult', index, stopAllocation(alloc, index, this.nowNs())));
    }
    events.push(jobEvent('JobDeregistered', index, freezeJob({ ...job, status: 'dead', modifyIndex: index })));
    this.jobs.delete(id);
    this.allocs.delete(id);
    this.log.publish(index, events);
    return { index };
  }

  /** Jobs whose id starts with `prefix`, sorted, with the current index. */
  protected listedJobs(prefix: string): Listed<JobState> {
    const items = [...this.jobs.values()].filter((j) => j.id.startsWith(prefix)).sort((a, b) => cmp(a.id, b.id));
    return { items, index: this.currentIndex };
  }

  /** Allocations of jobs whose id starts with `prefix`, newest first per job, with the current index. */
  protected listedAllocations(prefix: string): Listed<AllocationState> {
    const items: AllocationState[] = [];
    for (const jobId of [...this.allocs.keys()].sort()) {
      if (jobId.startsWith(prefix)) items.push(...(this.allocs.get(jobId) ?? []));
    }
    return { items, index: this.currentIndex };
  }

  private bump(): number {
    return ++this.currentIndex;
  }

  private nowNs(): number {
    return this.clock.now() * 1_000_000;
  }

  private newestAllocation(jobId: string): AllocationState {
    const newest = this.allocs.get(jobId)?.[0];
    if (!newest) throw new Error(`fake backend: job ${jobId} has no allocation`);
    return newest;
  }

  private replaceAllocation(alloc: AllocationState): void {
    const list = this.allocs.get(alloc.jobId) ?? [];
    this.allocs.set(
      alloc.jobId,
      list.map((a) => (a.id === alloc.id ? alloc : a)),
    );
  }

  /**
   * Places a new allocation for the job at a new index. The previous newest allocation, if still active, is stopped
   * (`previousStatus`: `complete` for an update, `lost` for a reschedule) and linked both ways.
   */
  private place(jobId: string, type: string, previousStatus: AllocationClientStatus = 'complete'): AllocationState {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`fake backend: no job ${jobId}`);
    const index = this.bump();
    const previous = this.allocs.get(jobId)?.[0];
    const alloc = freezeAlloc({
      id: this.newId(),
      jobId,
      clientStatus: 'pending',
      desiredStatus: 'run',
      createIndex: index,
      modifyIndex: index,
      taskState: 'pending',
      restarts: 0,
      taskEvents: [{ type: 'Received', time: this.nowNs(), message: 'Task received by client' }],
      ports: this.allocatePorts(job.settings),
      ...(previous ? { previousAllocationId: previous.id } : {}),
    });
    const events: BackendEvent[] = [];
    if (previous && previous.desiredStatus === 'run') {
      const stopped = freezeAlloc({
        ...stopAllocation(previous, index, this.nowNs(), previousStatus),
        nextAllocationId: alloc.id,
      });
      this.replaceAllocation(stopped);
      events.push(allocationEvent(type, index, stopped));
    }
    this.allocs.set(jobId, [alloc, ...(this.allocs.get(jobId) ?? [])]);
    events.push(allocationEvent(type, index, alloc), evaluationEvent(type, index, jobId, 'complete'));
    this.log.publish(index, [...events, ...this.refreshJobStatus(jobId, index)]);
    this.scheduleAutoRun(jobId, alloc.id);
    return alloc;
  }

  private allocatePorts(settings: TaskSettings): AllocationState['ports'] {
    if (!settings.networkAccess) return [];
    return settings.exposedPorts.map((to) => ({ label: String(to), value: this.nextPort++, to, hostIp: '127.0.0.1' }));
  }

  /** Sets the job's status from its newest allocation; returns the Job event when it changed. */
  private refreshJobStatus(jobId: string, index: number): BackendEvent[] {
    const job = this.jobs.get(jobId);
    const newest = this.allocs.get(jobId)?.[0];
    if (!job || !newest) return [];
    const status = jobStatusFor(newest.clientStatus);
    if (status === job.status) return [];
    const updated = freezeJob({ ...job, status, modifyIndex: index });
    this.jobs.set(jobId, updated);
    return [jobEvent('JobRegistered', index, updated)];
  }

  private scheduleAutoRun(jobId: string, allocId: string): void {
    if (!this.autoRun) return;
    const handle = setImmediate(() => {
      this.pendingStarts.delete(handle);
      const newest = this.allocs.get(jobId)?.[0];
      if (newest?.id === allocId && newest.clientStatus === 'pending' && newest.desiredStatus === 'run') {
        this.setAllocationStatus(jobId, 'running');
      }
    });
    this.pendingStarts.add(handle);
  }

  private resetIndexes(): void {
    this.currentIndex = 1;
    for (const [id, job] of this.jobs) {
      this.jobs.set(id, freezeJob({ ...job, createIndex: 1, modifyIndex: 1, jobModifyIndex: 1 }));
    }
    for (const [id, list] of this.allocs) {
      this.allocs.set(
        id,
        list.map((a) => freezeAlloc({ ...a, createIndex: 1, modifyIndex: 1 })),
      );
    }
  }
}
