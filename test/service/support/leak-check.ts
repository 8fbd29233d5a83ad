/**
 * Leak checks after whole-service suites: once every service of a suite stopped, this process has no child processes
 * left (sandboxes, PTYs, helpers) and no more sockets, servers, pipes or timers than before the suite started.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { eventually } from '../../support/eventually';

/** Kinds of handles that a stopped service must not leave behind. */
const WATCHED = ['TCPServerWrap', 'TCPSocketWrap', 'PipeWrap', 'Timeout', 'TTYWrap', 'ProcessWrap'] as const;

/** Counts of the watched handle kinds. */
export type HandleCounts = Record<(typeof WATCHED)[number], number>;

/** The watched handles of this process now. */
export function handleCounts(): HandleCounts {
  const counts = Object.fromEntries(WATCHED.map((kind) => [kind, 0])) as HandleCounts;
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind in counts) counts[kind as keyof HandleCounts]++;
  }
  return counts;
}

/** Pids of this process's children (from /proc). */
export function childPids(): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces and parentheses: the fields after its closing parenthesis are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid) children.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/** Waits (bounded) until no child process is left and no watched handle count is above `baseline`. */
export async function expectNoLeaks(baseline: HandleCounts): Promise<void> {
  await eventually(
    () => {
      expect(childPids()).toEqual([]);
      const now = handleCounts();
      const above = WATCHED.filter((kind) => now[kind] > baseline[kind]).map((kind) => `${kind}: ${now[kind]}`);
      expect(above).toEqual([]);
    },
    { timeoutMs: 5000, intervalMs: 50, message: 'no leaked processes or handles' },
  );
}
