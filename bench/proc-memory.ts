// Reading a process's memory from Linux's /proc, for benches whose reference
// is another program's footprint (OpenSSH's sftp and ssh, websockify's
// per-connection processes). proc(5): /proc/<pid>/task/<pid>/children lists
// the children of the main thread; /proc/<pid>/status has VmRSS (resident
// now) and VmHWM (peak resident), in kB.
import { readFileSync } from 'node:fs';

/** The pids of `pid`'s children (its main thread's), [] when it is gone or the kernel does not say. */
export function childPids(pid: number): number[] {
  return readOr(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
}

/** VmRSS and VmHWM of `pid` in KiB, or null when the process is gone (or the field is missing). */
export function memoryKiB(pid: number): { rss: number; peak: number } | null {
  const status = readOr(`/proc/${pid}/status`);
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const rss = field('VmRSS');
  const peak = field('VmHWM');
  return Number.isFinite(rss) && Number.isFinite(peak) ? { rss, peak } : null;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
