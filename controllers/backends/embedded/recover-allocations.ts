/**
 * Start-up recovery: after the backend object is created again on the same state directory, every live allocation
 * gets its resources back (cgroups and network namespaces lost with a reboot are re-created, port forwarders
 * re-listen on the same host ports where possible, execution cgroups a crash left are swept), pending ones are
 * prepared, ones whose workspace vanished while the backend was down fail, and leftovers nobody knows (crash
 * remnants, terminal allocations) are removed.
 */
import { parseTemplateJobId } from '../../../reconcilers/naming';
import type { AllocationLifecycle } from './allocation-lifecycle';
import { runningAllocation } from './jobs/allocation-transitions';
import { isTerminal } from './jobs/job-objects';
import type { AllocationRecord } from './jobs/job-records';
import type { JobTable } from './jobs/job-table';
import type { RunnerNetworks } from './network/runner-networks';
import type { AllocationSandboxes } from './sandbox/allocation-sandboxes';
import type { CgroupDriver } from './sandbox/cgroup-driver';

/** What recovery works on. */
export interface RecoveryDeps {
  readonly table: JobTable;
  readonly sandboxes: AllocationSandboxes;
  readonly lifecycle: AllocationLifecycle;
  readonly cgroups: CgroupDriver;
  readonly networks: RunnerNetworks;
  readonly persist: (jobId: string) => Promise<void>;
}

function samePorts(a: AllocationRecord['state']['ports'], b: AllocationRecord['state']['ports']): boolean {
  return a.length === b.length && a.every((port, i) => port.value === b[i]?.value && port.to === b[i]?.to);
}

async function recoverRunning(deps: RecoveryDeps, jobId: string, record: AllocationRecord): Promise<void> {
  // Missing cgroups and namespaces are normal after a reboot (prepare makes them again); missing files are not.
  const problem = await deps.sandboxes.missingFiles(record.state.id);
  if (problem) {
    await deps.lifecycle.fail(jobId, record.state.id, `${problem} (found at start-up)`);
    return;
  }
  // No execution survives a restart; a crash may have left their cgroups (and, without bwrap's parent-death
  // signal reaching them, processes).
  await deps.cgroups.removeExecutions(record.state.id);
  const prepared = await deps.sandboxes.prepare(record, parseTemplateJobId(jobId) === undefined);
  if (samePorts(prepared.ports, record.state.ports) && prepared.network === record.network) return;
  deps.table.updateAllocation(jobId, record.state.id, (current, index) => ({
    ...current,
    ...(prepared.network ? { network: prepared.network } : {}),
    state: { ...runningAllocation(current.state, index, 0, prepared.ports), taskEvents: current.state.taskEvents },
  }));
  await deps.persist(jobId);
}

/** Brings every allocation of the loaded table back; see the module comment. */
export async function recoverAllocations(deps: RecoveryDeps): Promise<void> {
  const live = new Set<string>();
  const namespaces = new Set<string>();
  for (const { job, allocations } of deps.table.all()) {
    for (const record of allocations) {
      const { state } = record;
      if (state.desiredStatus !== 'run' || isTerminal(state.clientStatus)) continue;
      live.add(state.id);
      if (record.network) namespaces.add(record.network.namespace);
      if (state.clientStatus === 'pending') deps.lifecycle.launch(job.id, record);
      else await recoverRunning(deps, job.id, record);
    }
  }
  const present = new Set([...(await deps.sandboxes.presentIds()), ...(await deps.cgroups.listAllocations())]);
  for (const id of present) if (!live.has(id)) await deps.sandboxes.destroyOrphan(id);
  if (deps.networks.mode === 'namespaces') await deps.networks.removeOrphans(namespaces);
}
