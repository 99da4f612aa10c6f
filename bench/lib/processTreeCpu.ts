import fs from 'node:fs';
import { processCpuMicros } from './processStats.js';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ). */
const USER_HZ = 100;

function statFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // gone between the listing and the read
  }
}

/** Every live descendant of `root`, by walking parent ids over /proc. */
function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const fields = statFields(pid);
    // Field 4 of stat (the parent) is the second after the name and state.
    if (fields !== null) parentOf.set(pid, Number(fields[1]));
  }
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, parent] of parentOf) if (frontier.includes(parent)) next.push(pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/**
 * CPU time (µs) of a server made of several processes (PostgreSQL's postmaster and its backends):
 * the root, its live descendants, and the children it already reaped (cutime + cstime), so that
 * a backend ending between two readings is still counted.
 */
export function processTreeCpuMicros(root: number): number {
  const fields = statFields(root);
  if (fields === null) return 0;
  const reaped = ((Number(fields[13]) + Number(fields[14])) * 1_000_000) / USER_HZ;
  let total = processCpuMicros(root) + reaped;
  for (const pid of descendantsOf(root)) {
    const child = statFields(pid);
    if (child !== null) total += ((Number(child[11]) + Number(child[12])) * 1_000_000) / USER_HZ;
  }
  return total;
}

/** The pid of the process whose command line holds every one of `words`, or null. */
export function findProcess(words: readonly string[]): number | null {
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (words.every((word) => command.includes(word))) return pid;
    } catch {
      // gone, or not ours to read
    }
  }
  return null;
}
