// The set-up the SSH, SFTP and tunnels benches share: each measures Hostdeck
// in runtime profiles (a child process per runtime, bench/*-profile.ts)
// against the OpenSSH client, on the same rig sshd, inside its own run folder.
// Here: the --runtime flag, the known_hosts both sides check the host key
// against, the login a profile is handed, and running a child that answers
// with JSON on stdout.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { opensshOptions, trustSshd, type Sshd } from '../test/support/sshd.js';
import { sshdKeyUser, type KeyTarget } from './ssh-measure.js';

/** The runtime a profile process models: plain Node (serve mode) or the Electron runtime model (desktop). */
export type Runtime = 'node' | 'electron';

/** What a profile process logs in with: the rig sshd's key user, its host key already in `knownHosts`. */
export interface ProfileTarget extends KeyTarget {
  runtime: Runtime;
  knownHosts: string;
}

/** `--runtime=both|node|electron` (default both); anything else throws. */
export function runtimeArg(args: string[]): Runtime | 'both' {
  const runtime = args.find((a) => a.startsWith('--runtime='))?.slice('--runtime='.length) ?? 'both';
  if (runtime !== 'both' && runtime !== 'electron' && runtime !== 'node')
    throw new Error(`--runtime=${runtime}: expected both, electron or node`);
  return runtime;
}

/** The profiles a `--runtime` value asks for, Node first. */
export function runtimesOf(runtime: Runtime | 'both'): Runtime[] {
  return runtime === 'both' ? ['node', 'electron'] : [runtime];
}

/**
 * Writes sshd's host key to `<runDir>/known_hosts` (OpenSSH's format, names
 * not hashed), for Hostdeck's HostKeyTrust and the OpenSSH client alike, and
 * returns the login a profile gets (all but its runtime).
 */
export function trustedTarget(sshd: Sshd, runDir: string): Omit<ProfileTarget, 'runtime'> {
  const knownHosts = join(runDir, 'known_hosts');
  trustSshd(knownHosts, sshd);
  return { ...sshdKeyUser(sshd), knownHosts };
}

/**
 * The OpenSSH client's options for the login a profile gets: the host key
 * checked strictly against target.knownHosts, the same key file, the port
 * (ssh's -p), and `cipher` (-c) so that both sides encrypt alike. The
 * destination, `${target.user}@${target.host}`, comes after the caller's own.
 */
export function opensshLogin(target: Omit<ProfileTarget, 'runtime'>, cipher: string): string[] {
  return [...opensshOptions(target.knownHosts), '-p', String(target.port), '-i', target.keyPath, '-c', cipher];
}

/**
 * Runs `node [nodeFlags] --import tsx <script> <args>` in a process of its own
 * and resolves with its whole stdout parsed as JSON; rejects, naming `what`,
 * if it exits non-zero. Its stderr goes to this process's.
 */
export function runJsonChild<T>(script: string, args: string[], what: string, nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${what} exited ${code}`)),
    );
  });
}

/** OpenSSH `sftp` in batch mode (commands on stdin) as the key user, trusting the rig's known_hosts file. */
export function opensshSftpArgs(sshd: Sshd, knownHosts: string): string[] {
  return [
    '-q',
    '-b',
    '-',
    ...opensshOptions(knownHosts),
    '-P',
    String(sshd.port),
    '-i',
    sshd.clientKeyPath,
    `${sshd.keyUser}@${sshd.host}`,
  ];
}

/** Dirty plus Writeback in /proc/meminfo, KiB (0 where it cannot be read). */
export function dirtyKiB(): number {
  try {
    const m = readFileSync('/proc/meminfo', 'utf8');
    const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(m)?.[1] ?? 0);
    return kib('Dirty') + kib('Writeback');
  } catch {
    return 0;
  }
}

/**
 * Hands the next timed SFTP run a quiet disk: `sync` (which waits for the
 * writeback of everything dirty), then polls until Dirty+Writeback is under
 * `belowKiB` (other jobs keep writing) or `timeoutMs` passed. A file create
 * on ext4 waits on the journal, and a 1 GiB file just written is still being
 * flushed when the next run starts: without this the run after it measures
 * that flush. Every timed run, Hostdeck's and OpenSSH's, waits alike.
 * Returns Dirty+Writeback in KiB when it returned.
 */
export async function settleDisk(belowKiB = 16 * 1024, timeoutMs = 10_000): Promise<number> {
  execFileSync('sync');
  const end = performance.now() + timeoutMs;
  let dirty = dirtyKiB();
  while (dirty >= belowKiB && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    dirty = dirtyKiB();
  }
  return dirty;
}
