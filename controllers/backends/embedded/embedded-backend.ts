/**
 * The embedded backend: runs each runner job's allocation as local bubblewrap sandboxes on this machine, so the
 * whole service works without Nomad. It implements the Nomad-shaped `Backend` port (jobs, allocations, the event
 * feed, exec); its state lives under `stateDir` and survives a restart of the backend object. See README.md.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { errorCodeOf, PoseidonError } from '../../../crds/errors';
import type {
  AllocationState,
  Backend,
  BackendEvent,
  ExecProcess,
  ExecRequest,
  JobSpec,
  JobState,
  Listed,
  RegisterOptions,
} from '../../../reconcilers/ports';
import { AllocationLifecycle, runnerGone } from './allocation-lifecycle';
import { type EmbeddedBackendOptions, type EmbeddedConfig, compileOptions } from './embedded-options';
import { EmbeddedMetrics } from './embedded-metrics';
import { EventLog } from './events/event-log';
import { type ExecutionEnd, Executions, type ExecutionTarget } from './exec/executions';
import { JobTable } from './jobs/job-table';
import { validateExecRequest, validateJobSpec } from './jobs/validate-job-spec';
import { RunnerNetworks } from './network/runner-networks';
import { recoverAllocations } from './recover-allocations';
import { AllocationSandboxes } from './sandbox/allocation-sandboxes';
import type { CgroupDriver } from './sandbox/cgroup-driver';
import { detectCgroups } from './sandbox/detect-cgroups';
import { RootFilesystems, writeIdentityFiles } from './sandbox/root-filesystem';
import { IndexKeeper } from './state/index-keeper';
import { JobRecordFiles } from './state/job-record-files';
import type { TimerHandle } from '../../runtime/timers';
import { parseTemplateJobId } from '../../../reconcilers/naming';

export type { EmbeddedBackendOptions } from './embedded-options';

/** The embedded backend as {@link createEmbeddedBackend} returns it. */
export interface EmbeddedBackend extends Backend {
  readonly name: 'embedded';
  /** Resolves once every allocation placed so far has finished preparing (running or failed). */
  settled(): Promise<void>;
  /** How allocations with network access get their network on this machine (see README). */
  readonly networkMode: 'namespaces' | 'host';
  /**
   * `nft`: runners with network access reach other networks through NAT but not this host or each other; `none`:
   * no firewall (nftables missing), they reach only this host (see README).
   */
  readonly firewall: 'nft' | 'none';
  /** The cgroup hierarchy in use; `none` means nothing is limited. */
  readonly cgroups: 'v1' | 'v2' | 'none';
}

/**
 * Creates the embedded backend on `options.stateDir` (created when missing), loading every job, allocation and index
 * a previous instance left there. Rejects when the state directory cannot be used.
 */
export async function createEmbeddedBackend(options: EmbeddedBackendOptions): Promise<EmbeddedBackend> {
  const config = compileOptions(options);
  for (const dir of [config.stateDir, config.jobsDir, config.allocationsDir]) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  }
  await fs.rm(config.runDir, { recursive: true, force: true });
  await fs.mkdir(config.runDir, { recursive: true, mode: 0o700 });
  await writeIdentityFiles(config.etcDir);
  await fs.access(config.bwrapPath).catch(() => {
    config.logger.error({ bwrap: config.bwrapPath }, 'embedded backend: bubblewrap not found; executions will fail');
  });
  const backend = new EmbeddedBackendImpl(config, options.registry ?? new Registry());
  await backend.load();
  return backend;
}

class EmbeddedBackendImpl implements EmbeddedBackend {
  readonly name = 'embedded' as const;
  private readonly indexes: IndexKeeper;
  private readonly log: EventLog;
  private readonly table: JobTable;
  private readonly files: JobRecordFiles;
  private readonly roots: RootFilesystems;
  private readonly networks: RunnerNetworks;
  private readonly metrics: EmbeddedMetrics;
  private parts: { sandboxes: AllocationSandboxes; executions: Executions; lifecycle: AllocationLifecycle } | undefined;
  private cgroupDriver: CgroupDriver | undefined;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly config: EmbeddedConfig,
    registry: Registry,
  ) {
    this.indexes = new IndexKeeper(path.join(config.stateDir, 'index.json'));
    this.log = new EventLog(config.eventBufferSize, () => this.indexes.value, this.indexes.bootIndex);
    const indexes = this.indexes;
    const sink = {
      commit: (build: (index: number) => readonly BackendEvent[]): number => {
        const index = indexes.next();
        this.log.publish(index, build(index));
        return index;
      },
      get index(): number {
        return indexes.value;
      },
    };
    this.table = new JobTable(sink, config.newId, () => config.clock.now() * 1_000_000);
    this.files = new JobRecordFiles(config.jobsDir, (jobId) => this.table.get(jobId), config.logger);
    this.roots = new RootFilesystems(config.rootfs, config.logger, () => config.clock.now());
    this.networks = new RunnerNetworks(config);
    this.metrics = new EmbeddedMetrics(
      registry,
      () => this.allocationCounts(),
      () => this.parts?.executions.count ?? 0,
    );
  }

  get networkMode(): 'namespaces' | 'host' {
    return this.networks.mode;
  }

  get firewall(): 'nft' | 'none' {
    return this.networks.firewall;
  }

  get cgroups(): 'v1' | 'v2' | 'none' {
    return this.cgroupDriver?.kind ?? 'none';
  }

  /** Loads persisted state and brings every allocation's resources back. */
  async load(): Promise<void> {
    this.table.load(await this.files.loadAll());
    const cgroups = await detectCgroups(this.config.cgroupRoot, this.config.instanceTag, this.config.logger);
    this.cgroupDriver = cgroups;
    const records = this.table.all().flatMap((record) => record.allocations);
    await this.networks.init(records.flatMap((record) => (record.network ? [record.network.slot] : [])));
    const sandboxes = new AllocationSandboxes(
      this.config.allocationsDir,
      cgroups,
      this.networks,
      this.config.pidsLimit,
    );
    const executions = new Executions({
      bwrapPath: this.config.bwrapPath,
      etcDir: this.config.etcDir,
      runDir: this.config.runDir,
      cgroups,
      newId: this.config.newId,
      logger: this.config.logger,
      judge: (end) => this.judge(end),
      after: (end, outcome) => this.afterExecution(end, outcome),
    });
    const persist = (jobId: string): Promise<void> => this.files.save(jobId);
    const lifecycle = new AllocationLifecycle({
      table: this.table,
      sandboxes,
      executions,
      cgroups,
      metrics: this.metrics,
      logger: this.config.logger,
      persist,
    });
    this.parts = { sandboxes, executions, lifecycle };
    await recoverAllocations({ table: this.table, sandboxes, lifecycle, cgroups, networks: this.networks, persist });
  }

  async start(): Promise<void> {
    if (this.config.supervisionIntervalMs <= 0 || this.timer !== undefined) return;
    const tick = (): void => {
      this.timer = this.config.timers.setTimeout(() => {
        void this.ready()
          .lifecycle.supervise()
          .catch((error: unknown) => this.config.logger.error({ err: error }, 'embedded backend: supervision failed'))
          .finally(() => {
            if (!this.stopped) tick();
          });
      }, this.config.supervisionIntervalMs);
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.config.timers.clearTimeout(this.timer);
    const { executions, lifecycle } = this.ready();
    const failure = new PoseidonError('BackendUnavailable', 'the embedded backend stopped');
    this.log.breakAll(failure);
    await lifecycle.settled();
    await executions.endAll(failure);
    await this.networks.stop();
    await this.files.flush();
    // Only succeeds when no allocation is left (rmdir of a non-empty cgroup fails harmlessly).
    if (this.table.all().length === 0) await this.cgroupDriver?.removeBaseIfEmpty();
  }

  async settled(): Promise<void> {
    await this.ready().lifecycle.settled();
  }

  async registerJob(job: JobSpec, options: RegisterOptions = {}): Promise<{ index: number; jobModifyIndex: number }> {
    this.assertRunning();
    validateJobSpec(job);
    const { lifecycle } = this.ready();
    const outcome = this.table.register(job, options.enforceIndex);
    if (outcome.replaced) {
      const replaced = outcome.replaced;
      void lifecycle.retire(job.id, replaced, 'rescheduled').catch((error: unknown) => {
        this.config.logger.error(
          { err: error, jobId: job.id },
          'embedded backend: cannot remove a replaced allocation',
        );
      });
    }
    if (outcome.placed) lifecycle.launch(job.id, outcome.placed);
    await this.files.save(job.id);
    return { index: outcome.index, jobModifyIndex: outcome.jobModifyIndex };
  }

  async deregisterJob(id: string): Promise<{ index: number }> {
    this.assertRunning();
    const outcome = this.table.deregister(id);
    if (!outcome) return { index: this.indexes.value };
    const saved = this.files.save(id);
    const { lifecycle } = this.ready();
    await Promise.all(outcome.allocations.map((record) => lifecycle.retire(id, record, 'deregistered')));
    await saved;
    return { index: outcome.index };
  }

  async readJob(id: string): Promise<JobState | undefined> {
    return this.table.get(id)?.job;
  }

  async listJobs(prefix: string): Promise<Listed<JobState>> {
    return { items: this.table.jobs(prefix), index: this.indexes.value };
  }

  async listAllocations(prefix: string): Promise<Listed<AllocationState>> {
    return { items: this.table.allocations(prefix), index: this.indexes.value };
  }

  async jobAllocations(jobId: string): Promise<readonly AllocationState[]> {
    return (this.table.get(jobId)?.allocations ?? []).map((record) => record.state);
  }

  events(fromIndex: number, signal: AbortSignal): AsyncIterable<readonly BackendEvent[]> {
    if (this.stopped) {
      const error = new PoseidonError('BackendUnavailable', 'the embedded backend stopped');
      return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }) };
    }
    return this.log.stream(fromIndex, signal);
  }

  async exec(request: ExecRequest): Promise<ExecProcess> {
    this.assertRunning();
    validateExecRequest(request);
    const { executions } = this.ready();
    const target = await this.targetFor(request.jobId);
    try {
      return await executions.start(request, target);
    } catch (error) {
      const lost = await this.judgeBroken(target.jobId, target.allocationId);
      if (lost) throw lost;
      if (errorCodeOf(error) !== undefined) throw error;
      throw new PoseidonError('BackendUnavailable', `cannot start an execution in runner ${target.jobId}`, {
        cause: error,
      });
    }
  }

  /** Where an execution of `jobId` runs; rejects with `RunnerGone` when its allocation does not run. */
  private async targetFor(jobId: string): Promise<ExecutionTarget> {
    const { lifecycle, sandboxes } = this.ready();
    const pending = this.table.get(jobId)?.allocations[0];
    if (pending?.state.clientStatus === 'pending') await lifecycle.whenPrepared(pending.state.id);
    const allocation = this.table.get(jobId)?.allocations[0];
    if (!allocation) throw runnerGone(jobId, 'deregistered', `runner ${jobId} does not exist`);
    const { state, settings, network } = allocation;
    if (state.clientStatus !== 'running' || state.desiredStatus !== 'run') {
      const cause = state.clientStatus === 'failed' ? 'stoppedUnexpectedly' : 'deregistered';
      throw runnerGone(jobId, cause, `runner ${jobId} is not running (${state.clientStatus})`);
    }
    const withNetwork = settings.networkAccess && parseTemplateJobId(jobId) === undefined;
    // nsenter into a deleted namespace would fail inside the sandbox chain; a cheap check fails the runner first.
    if (withNetwork && network && !this.networks.isAttached(network)) {
      const lost = await this.judgeBroken(jobId, state.id);
      if (lost) throw lost;
    }
    return {
      jobId,
      allocationId: state.id,
      paths: sandboxes.paths(state.id),
      root: await this.roots.layoutFor(settings.image),
      network: !withNetwork
        ? { kind: 'isolated' }
        : network
          ? { kind: 'namespace', path: this.networks.namespacePath(network) }
          : { kind: 'host' },
    };
  }

  /** An execution that failed to start its sandbox because the allocation broke loses the runner. */
  private async judge(end: ExecutionEnd): Promise<PoseidonError | undefined> {
    if (end.exitCode !== 1 && end.exitCode !== 125) return undefined;
    return this.judgeBroken(end.jobId, end.allocationId);
  }

  /** When the allocation's resources are gone: fails it and returns the `RunnerGone` error for its executions. */
  private async judgeBroken(jobId: string, allocationId: string): Promise<PoseidonError | undefined> {
    const { sandboxes, lifecycle } = this.ready();
    const record = this.table.get(jobId)?.allocations.find((allocation) => allocation.state.id === allocationId);
    const problem = record ? await sandboxes.problem(record) : undefined;
    if (!problem) return undefined;
    await lifecycle.fail(jobId, allocationId, problem);
    return runnerGone(jobId, 'stoppedUnexpectedly', problem);
  }

  private afterExecution(end: ExecutionEnd, outcome: 'exited' | 'lost' | 'failed'): void {
    const tty = String(end.tty);
    this.metrics.executions.inc({ tty, outcome });
    this.metrics.executionSeconds.observe({ tty }, end.durationMs / 1000);
    void this.ready()
      .lifecycle.checkOom(end.jobId, end.allocationId)
      .catch((error: unknown) => this.config.logger.error({ err: error }, 'embedded backend: OOM check failed'));
  }

  private allocationCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const state of this.table.allocations('')) counts[state.clientStatus] = (counts[state.clientStatus] ?? 0) + 1;
    return counts;
  }

  private ready(): NonNullable<EmbeddedBackendImpl['parts']> {
    if (!this.parts) throw new PoseidonError('Internal', 'embedded backend used before it was loaded');
    return this.parts;
  }

  private assertRunning(): void {
    if (this.stopped) throw new PoseidonError('BackendUnavailable', 'the embedded backend stopped');
  }
}
