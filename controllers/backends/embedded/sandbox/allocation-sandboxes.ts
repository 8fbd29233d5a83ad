/**
 * An allocation's sandbox resources on this machine: its directories under `allocations/<id>/` (the `/workspace`
 * and `/tmp` every execution of it shares; root-owned, mode 1777, so `user` can create files but not delete root's),
 * its cgroups with the limits of its settings, and (with network access) its network namespace. No process runs
 * for an allocation; each execution starts its own sandbox inside these resources.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AllocatedPort } from '../../../../reconcilers/ports';
import type { AllocationRecord, NetworkAttachment } from '../jobs/job-records';
import { type CgroupDriver, cpuSharesFor } from './cgroup-driver';

/** Host paths of an allocation. */
export interface AllocationPaths {
  readonly dir: string;
  readonly workspace: string;
  readonly tmp: string;
}

/** Network namespaces and published ports of allocations (see network/). */
export interface AllocationNetworks {
  /** Sets up (or re-attaches after a restart) the allocation's namespace and port forwarders. */
  attach(
    allocationId: string,
    exposedPorts: readonly number[],
    previous?: { attachment: NetworkAttachment; ports: readonly AllocatedPort[] },
  ): Promise<{ attachment?: NetworkAttachment; ports: AllocatedPort[] }>;
  /** Removes the namespace and closes the forwarders. Idempotent. */
  detach(allocationId: string, attachment: NetworkAttachment | undefined): Promise<void>;
  /** True while the attachment's network namespace exists. */
  isAttached(attachment: NetworkAttachment): boolean;
}

/** What preparing an allocation produced. */
export interface PreparedAllocation {
  readonly network?: NetworkAttachment;
  readonly ports: AllocatedPort[];
}

/** Creates, checks and removes allocation resources. */
export class AllocationSandboxes {
  constructor(
    private readonly allocationsDir: string,
    private readonly cgroups: CgroupDriver,
    private readonly networks: AllocationNetworks,
    private readonly pidsLimit: number,
  ) {}

  /** Host paths of an allocation. */
  paths(allocationId: string): AllocationPaths {
    const dir = path.join(this.allocationsDir, allocationId);
    return { dir, workspace: path.join(dir, 'workspace'), tmp: path.join(dir, 'tmp') };
  }

  /**
   * Creates whatever of the allocation's resources is missing (idempotent; after a restart it re-creates cgroups and
   * network namespaces lost with a reboot, keeping the workspace). `withNetwork` is false for template jobs.
   */
  async prepare(record: AllocationRecord, withNetwork: boolean): Promise<PreparedAllocation> {
    const paths = this.paths(record.state.id);
    await fs.mkdir(paths.dir, { recursive: true, mode: 0o711 });
    for (const dir of [paths.workspace, paths.tmp]) {
      await fs.mkdir(dir, { recursive: true });
      await fs.chown(dir, 0, 0).catch(() => undefined);
      await fs.chmod(dir, 0o1777);
    }
    const { settings } = record;
    await this.cgroups.createAllocation(record.state.id, {
      memoryMb: settings.memoryLimit,
      cpuShares: cpuSharesFor(settings.cpuLimit),
      pids: this.pidsLimit,
    });
    if (!withNetwork || !settings.networkAccess) return { ports: [] };
    const previous = record.network ? { attachment: record.network, ports: record.state.ports } : undefined;
    const { attachment, ports } = await this.networks.attach(record.state.id, settings.exposedPorts, previous);
    return attachment ? { network: attachment, ports } : { ports };
  }

  /** Kills every process of the allocation and removes its cgroups, network and files. Idempotent. */
  async destroy(record: AllocationRecord): Promise<void> {
    await this.cgroups.removeAllocation(record.state.id);
    await this.networks.detach(record.state.id, record.network);
    await fs.rm(this.paths(record.state.id).dir, { recursive: true, force: true, maxRetries: 3 });
  }

  /** Removes what is left of an allocation nobody knows any more (cgroups, files; namespaces go separately). */
  async destroyOrphan(allocationId: string): Promise<void> {
    await this.cgroups.removeAllocation(allocationId);
    await fs.rm(this.paths(allocationId).dir, { recursive: true, force: true, maxRetries: 3 });
  }

  /**
   * Why the allocation cannot run programs any more (its files, cgroups or network namespace were removed), or
   * undefined when it can.
   */
  async problem(record: AllocationRecord): Promise<string | undefined> {
    const { id } = record.state;
    const files = await this.missingFiles(id);
    if (files) return files;
    if (!(await this.cgroups.hasAllocation(id))) return "the sandbox's cgroups were removed";
    if (record.network && !this.networks.isAttached(record.network)) {
      return `the sandbox's network namespace ${record.network.namespace} was removed`;
    }
    return undefined;
  }

  /** Why the allocation's files are unusable (workspace or tmp deleted), or undefined when they are there. */
  async missingFiles(allocationId: string): Promise<string | undefined> {
    const paths = this.paths(allocationId);
    for (const [dir, name] of [
      [paths.workspace, 'workspace'],
      [paths.tmp, 'tmp directory'],
    ] as const) {
      const stat = await fs.stat(dir).catch(() => undefined);
      if (!stat?.isDirectory()) return `the sandbox's ${name} ${dir} was deleted`;
    }
    return undefined;
  }

  /** Ids of allocation directories present on disk. */
  async presentIds(): Promise<string[]> {
    const entries = await fs.readdir(this.allocationsDir, { withFileTypes: true }).catch(() => []);
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  }
}
