/**
 * Leak checks after a suite stopped the service it started: live processes descended from this test process (bash,
 * bwrap, programs) and open sockets of the service are what a clean stop leaves none of.
 */
import { readdirSync, readFileSync } from 'node:fs';

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** `[pid, parent pid, state]` of every process. */
function processTable(): [number, number, string][] {
  const rows: [number, number, string][] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    // The command name may contain spaces and parentheses: the fields after the last ')' are fixed.
    const stat = read(`/proc/${name}/stat`);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length > 1) rows.push([Number(name), Number(fields[1]), fields[0] ?? '?']);
  }
  return rows;
}

/** Live (not zombie) processes descended from `root`, with their command lines. */
export function liveDescendants(root: number = process.pid): string[] {
  const table = processTable();
  const found: string[] = [];
  const parents = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid, state] of table) {
      if (parents.has(ppid) && !parents.has(pid)) {
        parents.add(pid);
        grew = true;
        if (state !== 'Z') found.push(`${pid}: ${read(`/proc/${pid}/cmdline`).split('\0').join(' ')}`);
      }
    }
  }
  return found;
}
