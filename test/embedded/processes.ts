/**
 * Looks at the machine's process table (host side), for leak checks: which processes run a command line containing a
 * token, and which belong to an allocation's cgroups.
 */
import { readdirSync, readFileSync } from 'node:fs';

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function pids(): string[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name));
}

/** Pids of live (non-zombie) `program` processes with an argument containing `token` (e.g. `sleep 1234.5`). */
export function processesRunning(program: string, token: string): number[] {
  return pids()
    .filter((pid) => {
      const [name, ...args] = read(`/proc/${pid}/cmdline`).split('\0');
      return name?.split('/').pop() === program && args.some((arg) => arg.includes(token));
    })
    .filter((pid) => !/^State:\s+Z/m.test(read(`/proc/${pid}/status`)))
    .map(Number);
}

/** Pids of processes in a cgroup whose path mentions `allocationId`. */
export function processesOfAllocation(allocationId: string): number[] {
  return pids()
    .filter((pid) => read(`/proc/${pid}/cgroup`).includes(allocationId))
    .map(Number);
}
