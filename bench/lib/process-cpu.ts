import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc times (almost always 100 on Linux). */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface ProcessStat {
  ppid: number;
  ms: number;
  command: string;
}

function processStats(): Map<number, ProcessStat> {
  const stats = new Map<number, ProcessStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      stats.set(Number(entry), { ppid: Number(fields[1]), ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS, command });
    } catch {
      // The process ended while we looked.
    }
  }
  return stats;
}

/**
 * CPU time (user + system, ms) used so far by a process and all its live descendants, from /proc, by part: each
 * process counts towards the part `partOf` names from its command line, or else towards its parent's part.
 * A peer's SMTP server, its storage processes (a JVM, s3rver) and whatever else it started.
 */
export function processTreeCpuMsByPart(rootPid: number, partOf: (command: string) => string | undefined, rootPart: string): Record<string, number> {
  const stats = processStats();
  const byPart: Record<string, number> = {};
  const pending: [number, string][] = [[rootPid, rootPart]];
  while (pending.length) {
    const [pid, inherited] = pending.pop()!;
    const stat = stats.get(pid);
    const part = (stat && pid !== rootPid && partOf(stat.command)) || inherited;
    byPart[part] = (byPart[part] ?? 0) + (stat?.ms ?? 0);
    for (const [child, s] of stats) if (s.ppid === pid) pending.push([child, part]);
  }
  return byPart;
}
