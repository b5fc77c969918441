// Where the CPU goes during a measurement: user+system time of every process
// this bench started (serve, Chromium's processes, sshd and its sessions),
// read from /proc before and after. On a 2-core machine shared with other
// runs this says whether a slow result is the page, the server side, or
// simply no CPU left.
import { readFileSync } from 'node:fs';
import { descendants } from '../test/support/processes.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export type CpuSnapshot = Map<number, { role: string; ticks: number }>;

function roleOf(pid: number): string {
  let cmd = '';
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return 'gone';
  }
  if (/chrom/.test(cmd)) {
    const type = /--type=([\w-]+)/.exec(cmd)?.[1];
    return `chromium ${type ?? 'browser'}`;
  }
  if (/serve\/cli\.ts/.test(cmd)) return 'serve (node)';
  if (/sshd/.test(cmd)) return 'sshd';
  if (/bash|seq|-bash/.test(cmd)) return 'shell';
  return cmd.split(' ')[0]?.split('/').pop() ?? 'other';
}

export function cpuSnapshot(): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  for (const pid of [process.pid, ...descendants(process.pid)]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, { role: pid === process.pid ? 'bench (ssh2_direct)' : roleOf(pid), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // Ended while we looked.
    }
  }
  return out;
}

/** CPU seconds per role between two snapshots, largest first ("chromium renderer 4.1 s, serve 2.0 s, …"). */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): string {
  const byRole = new Map<string, number>();
  for (const [pid, a] of after) {
    const used = a.ticks - (before.get(pid)?.ticks ?? 0);
    if (used > 0) byRole.set(a.role, (byRole.get(a.role) ?? 0) + used / TICKS_PER_SECOND);
  }
  return [...byRole.entries()]
    .sort((x, y) => y[1] - x[1])
    .map(([role, s]) => `${role} ${s.toFixed(1)} s`)
    .join(', ');
}
