/**
 * cgroup v1: the allocation gets a cgroup in the `memory`, `cpu` and `pids` hierarchies under
 * `poseidon-<instance>/`; an execution gets a child in `pids` (for finding its processes) and joins the allocation's
 * `memory` and `cpu` cgroups. Memory is limited with `memory.limit_in_bytes` and, where swap accounting exists,
 * `memory.memsw.limit_in_bytes` (so a program cannot swap around the limit).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  type CgroupDriver,
  type CgroupLimits,
  ensureDir,
  exists,
  killAndRemove,
  subdirectories,
} from './cgroup-driver';

const CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
type Controller = (typeof CONTROLLERS)[number];

/** The v1 driver rooted at `root` (e.g. /sys/fs/cgroup) for one backend instance. */
export class CgroupV1 implements CgroupDriver {
  readonly kind = 'v1';

  constructor(
    private readonly root: string,
    private readonly instanceTag: string,
  ) {}

  private base(controller: Controller): string {
    return path.join(this.root, controller, `poseidon-${this.instanceTag}`);
  }

  private dir(controller: Controller, allocationId: string): string {
    return path.join(this.base(controller), allocationId);
  }

  async createAllocation(allocationId: string, limits: CgroupLimits): Promise<void> {
    for (const controller of CONTROLLERS) await ensureDir(this.dir(controller, allocationId));
    const memory = this.dir('memory', allocationId);
    const bytes = limits.memoryMb > 0 ? String(limits.memoryMb * 1024 * 1024) : '-1';
    const memsw = path.join(memory, 'memory.memsw.limit_in_bytes');
    const hasSwapAccounting = await exists(memsw);
    // memsw must stay >= limit: raise memsw first when unlimiting, lower the limit first when limiting.
    if (hasSwapAccounting && bytes === '-1') await fs.writeFile(memsw, bytes);
    await fs.writeFile(path.join(memory, 'memory.limit_in_bytes'), bytes);
    if (hasSwapAccounting && bytes !== '-1') await fs.writeFile(memsw, bytes);
    await fs.writeFile(path.join(this.dir('cpu', allocationId), 'cpu.shares'), String(limits.cpuShares));
    await fs.writeFile(path.join(this.dir('pids', allocationId), 'pids.max'), String(limits.pids));
  }

  async hasAllocation(allocationId: string): Promise<boolean> {
    for (const controller of CONTROLLERS) if (!(await exists(this.dir(controller, allocationId)))) return false;
    return true;
  }

  async createExecution(allocationId: string, executionId: string): Promise<readonly string[]> {
    const pids = path.join(this.dir('pids', allocationId), executionId);
    await fs.mkdir(pids);
    return [
      path.join(this.dir('memory', allocationId), 'cgroup.procs'),
      path.join(this.dir('cpu', allocationId), 'cgroup.procs'),
      path.join(pids, 'cgroup.procs'),
    ];
  }

  async removeExecution(allocationId: string, executionId: string): Promise<void> {
    await killAndRemove(path.join(this.dir('pids', allocationId), executionId));
  }

  async removeExecutions(allocationId: string): Promise<void> {
    const dir = this.dir('pids', allocationId);
    for (const child of await subdirectories(dir)) await killAndRemove(path.join(dir, child));
  }

  async removeAllocation(allocationId: string): Promise<void> {
    // pids first: it has the execution children, so every process is found and killed before the others go.
    await killAndRemove(this.dir('pids', allocationId));
    await killAndRemove(this.dir('memory', allocationId));
    await killAndRemove(this.dir('cpu', allocationId));
  }

  async oomKills(allocationId: string): Promise<number> {
    try {
      const text = await fs.readFile(path.join(this.dir('memory', allocationId), 'memory.oom_control'), 'utf8');
      return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  async listAllocations(): Promise<string[]> {
    const ids = new Set<string>();
    for (const controller of CONTROLLERS) for (const id of await subdirectories(this.base(controller))) ids.add(id);
    return [...ids];
  }

  async removeBaseIfEmpty(): Promise<void> {
    for (const controller of CONTROLLERS) await fs.rmdir(this.base(controller)).catch(() => undefined);
  }
}
