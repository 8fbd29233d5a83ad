/**
 * cgroup v2: one tree `poseidon-<instance>/<allocation>/<execution>` in the unified hierarchy. Limits sit on the
 * allocation (`memory.max`, `memory.swap.max`, `pids.max`, `cpu.weight`); processes only live in the execution leaves
 * (v2's no-internal-processes rule), and `cgroup.kill` ends a whole subtree at once where the kernel has it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type CgroupDriver, type CgroupLimits, exists, killAndRemove, subdirectories } from './cgroup-driver';

const SUBTREE = '+memory +pids +cpu';

/** cgroup v1 cpu.shares -> v2 cpu.weight (the kernel's own conversion formula). */
export function cpuWeightFor(shares: number): number {
  return Math.max(1, Math.min(10000, 1 + Math.round(((shares - 2) * 9999) / 262142)));
}

/** The v2 driver rooted at the unified mount `root`. */
export class CgroupV2 implements CgroupDriver {
  readonly kind = 'v2';
  private readonly base: string;

  constructor(
    private readonly root: string,
    instanceTag: string,
  ) {
    this.base = path.join(root, `poseidon-${instanceTag}`);
  }

  private dir(allocationId: string): string {
    return path.join(this.base, allocationId);
  }

  /** Creates the base cgroup with the controllers delegated to it. Throws when the hierarchy is not writable. */
  async prepareBase(): Promise<void> {
    await fs.writeFile(path.join(this.root, 'cgroup.subtree_control'), SUBTREE);
    await fs.mkdir(this.base, { recursive: true });
    await fs.writeFile(path.join(this.base, 'cgroup.subtree_control'), SUBTREE);
  }

  async createAllocation(allocationId: string, limits: CgroupLimits): Promise<void> {
    const dir = this.dir(allocationId);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'cgroup.subtree_control'), SUBTREE);
    const bytes = limits.memoryMb > 0 ? String(limits.memoryMb * 1024 * 1024) : 'max';
    await fs.writeFile(path.join(dir, 'memory.max'), bytes);
    const swap = path.join(dir, 'memory.swap.max');
    if (await exists(swap)) await fs.writeFile(swap, limits.memoryMb > 0 ? '0' : 'max');
    await fs.writeFile(path.join(dir, 'pids.max'), String(limits.pids));
    await fs.writeFile(path.join(dir, 'cpu.weight'), String(cpuWeightFor(limits.cpuShares)));
  }

  async hasAllocation(allocationId: string): Promise<boolean> {
    return exists(this.dir(allocationId));
  }

  async createExecution(allocationId: string, executionId: string): Promise<readonly string[]> {
    const dir = path.join(this.dir(allocationId), executionId);
    await fs.mkdir(dir);
    return [path.join(dir, 'cgroup.procs')];
  }

  async removeExecution(allocationId: string, executionId: string): Promise<void> {
    await this.killTree(path.join(this.dir(allocationId), executionId));
  }

  async removeExecutions(allocationId: string): Promise<void> {
    const dir = this.dir(allocationId);
    for (const child of await subdirectories(dir)) await this.killTree(path.join(dir, child));
  }

  async removeAllocation(allocationId: string): Promise<void> {
    await this.killTree(this.dir(allocationId));
  }

  async oomKills(allocationId: string): Promise<number> {
    try {
      const text = await fs.readFile(path.join(this.dir(allocationId), 'memory.events'), 'utf8');
      return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  async listAllocations(): Promise<string[]> {
    return subdirectories(this.base);
  }

  async removeBaseIfEmpty(): Promise<void> {
    await fs.rmdir(this.base).catch(() => undefined);
  }

  private async killTree(dir: string): Promise<void> {
    await fs.writeFile(path.join(dir, 'cgroup.kill'), '1').catch(() => undefined);
    await killAndRemove(dir);
  }
}
