import fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times: USER_HZ, 100 on Linux on every architecture. */
const USER_HZ = 100;

/**
 * CPU time (user + system, in microseconds) a process has used so far, from the kernel's own
 * accounting, so a server is measured without changing it. Resolution: 10 ms.
 */
export function processCpuMicros(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are counted from its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, so 11 and 12 after the name and state.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / USER_HZ;
}

/** Resident set size of a process in KiB (VmRSS). */
export function processRssKib(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}
