/**
 * Per-allocation resource limits through cgroups (the port), and helpers every hierarchy shares. An allocation owns
 * one cgroup (per controller in v1) carrying its limits; every execution gets a child cgroup that its whole process
 * tree joins before it forks, so the backend can find and kill every process of an execution or allocation.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Limits of one allocation. */
export interface CgroupLimits {
  /** Hard memory limit in MB; 0 = none. */
  readonly memoryMb: number;
  /** Relative CPU weight as cgroup v1 `cpu.shares` (2..262144). */
  readonly cpuShares: number;
  /** Maximum number of processes. */
  readonly pids: number;
}

/** A cgroup hierarchy the backend can use. */
export interface CgroupDriver {
  /** `v1`, `v2`, or `none` when cgroups are not writable (then nothing is limited). */
  readonly kind: 'v1' | 'v2' | 'none';
  /** Creates (or keeps) the allocation's cgroups and (re)applies its limits. */
  createAllocation(allocationId: string, limits: CgroupLimits): Promise<void>;
  /** True when the allocation's cgroups exist. */
  hasAllocation(allocationId: string): Promise<boolean>;
  /** Creates an execution's cgroups; returns the `cgroup.procs` files its first process must join. */
  createExecution(allocationId: string, executionId: string): Promise<readonly string[]>;
  /** Kills whatever is left of an execution and removes its cgroups. */
  removeExecution(allocationId: string, executionId: string): Promise<void>;
  /** Kills and removes every execution cgroup of the allocation (left by a crash; used at start-up). */
  removeExecutions(allocationId: string): Promise<void>;
  /** Kills every process of the allocation and removes its cgroups. Idempotent. */
  removeAllocation(allocationId: string): Promise<void>;
  /** How many processes the kernel OOM-killed in the allocation so far. */
  oomKills(allocationId: string): Promise<number>;
  /** Ids of every allocation cgroup present (for removing orphans at start-up). */
  listAllocations(): Promise<string[]>;
  /** Removes the backend's base cgroups when they are empty. */
  removeBaseIfEmpty(): Promise<void>;
}

/** The driver used when cgroups cannot be written: no limits, nothing to clean. */
export const noCgroups: CgroupDriver = {
  kind: 'none',
  createAllocation: async () => undefined,
  hasAllocation: async () => true,
  createExecution: async () => [],
  removeExecution: async () => undefined,
  removeExecutions: async () => undefined,
  removeAllocation: async () => undefined,
  oomKills: async () => 0,
  listAllocations: async () => [],
  removeBaseIfEmpty: async () => undefined,
};

/** Creates a directory; an existing one is fine. */
export async function ensureDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
}

/** Process ids in a `cgroup.procs` file ([] when the cgroup is gone). */
export async function readProcs(dir: string): Promise<number[]> {
  try {
    const text = await fs.readFile(path.join(dir, 'cgroup.procs'), 'utf8');
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map(Number);
  } catch (error) {
    // ENODEV: the cgroup is being removed.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENODEV') return [];
    throw error;
  }
}

/** Dying tasks leave a cgroup within a millisecond or two; poll fast first, then back off. */
const tick = (attempt: number): Promise<void> =>
  new Promise((resolve) => (attempt < 20 ? setImmediate(resolve) : setTimeout(resolve, 5)));

/**
 * SIGKILLs every process in the cgroup `dir` until it is empty, then removes it (retrying while the kernel still
 * counts dying tasks). Children are removed first. Gives up after about two seconds and leaves the directory.
 */
export async function killAndRemove(dir: string): Promise<void> {
  for (const child of await subdirectories(dir)) await killAndRemove(path.join(dir, child));
  for (let attempt = 0; attempt < 400; attempt++) {
    for (const pid of await readProcs(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      await fs.rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' && code !== 'ENOTEMPTY') throw error;
    }
    await tick(attempt);
  }
}

/** Names of the sub-directories of `dir` ([] when it does not exist). */
export async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** True when `dir` exists. */
export async function exists(dir: string): Promise<boolean> {
  try {
    await fs.access(dir);
    return true;
  } catch {
    return false;
  }
}

/** Nomad-style CPU MHz -> cgroup v1 cpu.shares (Nomad's docker driver passes MHz as shares), clamped. */
export function cpuSharesFor(cpuLimitMhz: number): number {
  return Math.min(262144, Math.max(2, Math.round(cpuLimitMhz)));
}
