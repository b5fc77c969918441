// Where the CPU goes during a measurement: user+system time of every process
// this bench started (serve, Chromium's processes, sshd and its sessions),
// read from /proc before and after. On a 2-core machine shared with other
// runs this says whether a slow result is the page, the server side, or
// simply no CPU left.
import { readdirSync, readFileSync } from 'node:fs';
import { descendants } from '../test/support/processes.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export type CpuSnapshot = Map<number, { role: string; ticks: number; waitNs: number }>;

/** Nanoseconds the process's threads spent runnable but waiting for a CPU (/proc/<pid>/task/<tid>/schedstat, field 2). */
function runQueueWait(pid: number): number {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
      } catch {
        // Thread ended.
      }
    }
  } catch {
    // Process ended, or no schedstats in this kernel.
  }
  return total;
}

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
      out.set(pid, {
        role: pid === process.pid ? 'bench (ssh2_direct)' : roleOf(pid),
        ticks: Number(f[11]) + Number(f[12]),
        waitNs: runQueueWait(pid),
      });
    } catch {
      // Ended while we looked.
    }
  }
  return out;
}

/**
 * CPU seconds per role between two snapshots, largest first, each with the
 * time its threads waited for a CPU ("chromium renderer 2.5 s (waited 1.9 s), …"):
 * a large wait means the machine, not the code, set the pace.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): string {
  const byRole = new Map<string, { cpu: number; wait: number }>();
  for (const [pid, a] of after) {
    const b = before.get(pid);
    const used = (a.ticks - (b?.ticks ?? 0)) / TICKS_PER_SECOND;
    const wait = (a.waitNs - (b?.waitNs ?? 0)) / 1e9;
    const r = byRole.get(a.role) ?? { cpu: 0, wait: 0 };
    byRole.set(a.role, { cpu: r.cpu + used, wait: r.wait + wait });
  }
  return [...byRole.entries()]
    .filter(([, r]) => r.cpu >= 0.05 || r.wait >= 0.05)
    .sort((x, y) => y[1].cpu - x[1].cpu)
    .map(([role, r]) => `${role} ${r.cpu.toFixed(1)} s (waited ${r.wait.toFixed(1)} s)`)
    .join(', ');
}
