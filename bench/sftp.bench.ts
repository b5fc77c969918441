// `npm run bench -- sftp [--quick] [--runtime=both|node|electron] [--sweep]`:
// Hostdeck's SFTP engine (main/sftp, through SftpService: queue, temporary
// name, rename) against the OpenSSH `sftp` client in batch mode, same sshd
// (internal-sftp), same files, same run. Each runtime profile runs in a child
// process (bench/sftp-profile.ts); 'electron' applies the Electron runtime
// model first (no native binding, BoringSSL's ciphers).
// Rows (electron_* for the Electron profile):
//   sftp_download / sftp_upload     MB/s, one 1 GiB file   vs `sftp get`/`put`   (node ≥ 1.0×, electron ≥ 0.5×)
//   sftp_small_files_down / _up     files/s, 2,000 × 8 KiB tree in 20 folders vs `sftp get -r`/`put -r` (≥ 2×),
//                                   each run paired with an OpenSSH run right beside it (in the profile process,
//                                   taking turns going first), so both see the same load on a shared machine
//   rss_growth                      MiB, the profile process's RSS high-water mark above its start
//                                   during the 1 GiB transfers (< 64 MiB) vs the OpenSSH client's
//                                   peak RSS during the same transfers (VmHWM of `sftp` plus the `ssh`
//                                   it runs, polled from /proc every 50 ms until they exit)
//   --sweep adds sftp_download:<KiB>x<n> / sftp_upload:<KiB>x<n> (request size × in flight)
//   and sftp_small_files_down/_up:<n>files (files at once), the measurements the defaults came from,
//   each against the same OpenSSH median as its main row.
// Every timed run (Hostdeck's and OpenSSH's) starts on a settled disk: `sync`,
// then Dirty+Writeback under 16 MiB (profile-rig.ts settleDisk). Without it the
// tree upload, which follows the 1 GiB upload, waited on that file's writeback
// in every file create (ext4's journal), and measured the flush more than the
// engine; the note says how dirty the disk still was at the worst start.
// OpenSSH is timed over its whole process (connect and login included, about
// 0.1 s here); Hostdeck from enqueue to done on an open session. OpenSSH uses
// its own default cipher; the table names both.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { inOwnRunDir } from '../test/support/processes.js';
import {
  opensshSftpArgs,
  runJsonChild,
  runtimeArg,
  runtimesOf,
  settleDisk,
  trustedTarget,
  type ProfileTarget,
} from './profile-rig.js';
import { printReport, stats, type Measurement } from './report.js';
import { childPids, memoryKiB } from './proc-memory.js';
import type { SftpProfileConfig, SftpProfileResult } from './sftp-profile.js';

const here = dirname(fileURLToPath(import.meta.url));

export function main(args: string[]): Promise<void> {
  // This bench's own run folder: its peers, their pid list and the files it moves.
  return inOwnRunDir('hostdeck-bench-sftp', (dir) => measure(args, dir));
}

async function measure(args: string[], runDir: string): Promise<void> {
  const quick = args.includes('--quick');
  const runs = quick ? 1 : 3;
  const runtime = runtimeArg(args);
  const bigBytes = (quick ? 256 : 1024) * 1024 * 1024;
  const loadBefore = loadavg();
  const { ensureTestUsers } = await import('../test/support/users.js');
  const { startSshd } = await import('../test/support/sshd.js');
  ensureTestUsers();
  const sshd = await startSshd();
  try {
    const target = trustedTarget(sshd, runDir);
    const dirs = makeDirs(runDir, sshd.keyUser, bigBytes);
    const sftpArgs = opensshSftpArgs(sshd, target.knownHosts);
    /** Seconds, and the client's peak RSS (sftp and its ssh, MiB). */
    const opensshPeak = (batch: string): Promise<{ seconds: number; peakMiB: number }> =>
      sftpWithPeakRss(sftpArgs, batch);
    const clean = (): void => {
      for (const d of [dirs.remoteScratch, dirs.localScratch])
        for (const n of readdirSync(d)) rmSync(join(d, n), { recursive: true, force: true });
    };
    const ref = { download: [] as number[], upload: [] as number[], rss: [] as number[] };
    for (let i = 0; i < runs; i++) {
      clean();
      await settleDisk();
      const get = await opensshPeak(`get ${dirs.bigRemote} ${dirs.localScratch}/big.bin`);
      ref.download.push(bigBytes / 1e6 / get.seconds);
      clean();
      await settleDisk();
      const put = await opensshPeak(`put ${dirs.bigLocal} ${dirs.remoteScratch}/big.bin`);
      ref.upload.push(bigBytes / 1e6 / put.seconds);
      ref.rss.push(get.peakMiB, put.peakMiB);
    }
    clean();
    const sshCipher = execFileSync('ssh', ['-Q', 'cipher']).toString().includes('chacha20')
      ? 'chacha20-poly1305@openssh.com (OpenSSH default)'
      : 'OpenSSH default';
    const base: Omit<SftpProfileConfig, 'runtime'> = {
      ...target,
      ...dirs,
      runs,
      sweep: args.includes('--sweep') ? SWEEP : [],
      parallelSweep: args.includes('--sweep') ? [1, 4, 8, 16, 32, 64] : [],
      opensshArgs: sftpArgs,
    };
    const profiles: SftpProfileResult[] = [];
    for (const rt of runtimesOf(runtime)) profiles.push(await runProfile({ ...base, runtime: rt }));
    const rows = profiles.flatMap((p) => rowsFor(p, ref));
    printReport(
      'sftp',
      `SFTP engine (Hostdeck SftpService vs OpenSSH sftp -b, same sshd internal-sftp, ${bigBytes / 1024 / 1024} MiB file, 2,000 × 8 KiB tree)`,
      rows,
      [
        `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}; medians of ${runs} run(s)`,
        `Dirty+Writeback at the start of timed runs (after sync): at most ${Math.max(
          ...profiles.flatMap((p) => p.dirtyKiB),
        )} KiB`,
        `OpenSSH sftp: ${sshCipher}; ` +
          profiles.map((p) => `${p.runtime} profile: ${p.negotiated}, native binding ${p.binding}`).join('; '),
      ],
    );
  } finally {
    await sshd.stop();
  }
}

const SWEEP = [
  { requestSize: 32 * 1024, inFlight: 64 },
  { requestSize: 64 * 1024, inFlight: 32 },
  { requestSize: 128 * 1024, inFlight: 16 },
  { requestSize: 256 * 1024, inFlight: 4 },
  { requestSize: 256 * 1024, inFlight: 8 },
  { requestSize: 256 * 1024, inFlight: 16 },
  { requestSize: 256 * 1024, inFlight: 32 },
];

function rowsFor(p: SftpProfileResult, ref: Record<'download' | 'upload' | 'rss', number[]>): Measurement[] {
  const pre = p.runtime === 'electron' ? 'electron_' : '';
  const target = (node: string, electron: string): string => `target ${p.runtime === 'electron' ? electron : node}`;
  const row = (
    metric: string,
    values: number[],
    refValues: number[],
    unit: string,
    reference: string,
    note: string,
  ): Measurement => {
    const s = stats(values);
    return {
      metric: `${pre}${metric}`,
      value: s.median,
      unit,
      reference,
      referenceValue: stats(refValues).median,
      note: `${note}; ${s.min.toFixed(0)}–${s.max.toFixed(0)}`,
      better: 'higher',
    };
  };
  const rows: Measurement[] = [
    row('sftp_download', p.download, ref.download, 'MB/s', 'openssh sftp get', target('≥ 1.0×', '≥ 0.5×')),
    row('sftp_upload', p.upload, ref.upload, 'MB/s', 'openssh sftp put', target('≥ 1.0×', '≥ 0.5×')),
    row(
      'sftp_small_files_down',
      p.treeDown,
      p.treeDownRef,
      'files/s',
      'openssh sftp get -r',
      pairNote(p.treeDown, p.treeDownRef),
    ),
    row(
      'sftp_small_files_up',
      p.treeUp,
      p.treeUpRef,
      'files/s',
      'openssh sftp put -r',
      pairNote(p.treeUp, p.treeUpRef),
    ),
    {
      metric: `${pre}rss_growth`,
      value: stats(p.rssGrowth).max,
      unit: 'MiB',
      reference: 'openssh sftp peak rss',
      referenceValue: stats(ref.rss).max,
      note: 'Hostdeck RSS growth vs OpenSSH sftp+ssh peak RSS; target < 64 MiB; worst of the big transfers',
      better: 'lower',
    },
  ];
  // Sweep rows: one run each, against the same OpenSSH runs as their main row (same file or tree, same sshd, this run).
  const sweep = (metric: string, value: number, unit: string, reference: string, refValues: number[]): Measurement => ({
    metric: `${pre}${metric}`,
    value,
    unit,
    reference,
    referenceValue: stats(refValues).median,
    note: `sweep, one run; ref = the ${reference} median above`,
    better: 'higher',
  });
  for (const s of p.sweep) {
    const tag = `${s.requestSize / 1024}KiBx${s.inFlight}`;
    rows.push(sweep(`sftp_download:${tag}`, s.download, 'MB/s', 'openssh sftp get', ref.download));
    rows.push(sweep(`sftp_upload:${tag}`, s.upload, 'MB/s', 'openssh sftp put', ref.upload));
  }
  for (const s of p.parallelSweep) {
    rows.push(sweep(`sftp_small_files_down:${s.files}files`, s.down, 'files/s', 'openssh sftp get -r', p.treeDownRef));
    rows.push(sweep(`sftp_small_files_up:${s.files}files`, s.up, 'files/s', 'openssh sftp put -r', p.treeUpRef));
  }
  return rows;
}

/** The note of a paired row: target, and each pair's own ratio (OpenSSH's files/s is the row's reference, their median). */
function pairNote(ours: number[], theirs: number[]): string {
  const ratios = ours.map((v, i) => `${(v / (theirs[i] ?? NaN)).toFixed(2)}×`);
  return `target ≥ 2×; paired runs, ratio each ${ratios.join(' ')}`;
}

function makeDirs(
  runDir: string,
  user: string,
  bigBytes: number,
): Omit<SftpProfileConfig, keyof ProfileTarget | 'runs' | 'sweep' | 'parallelSweep' | 'opensshArgs'> {
  const local = join(runDir, 'local');
  const remote = join(runDir, 'remote');
  const dirs = {
    bigLocal: join(local, 'big.bin'),
    bigRemote: join(remote, 'src', 'big.bin'),
    treeLocal: join(local, 'tree'),
    treeRemote: join(remote, 'src', 'tree'),
    remoteScratch: join(remote, 'scratch'),
    localScratch: join(local, 'scratch'),
  };
  mkdirSync(dirs.localScratch, { recursive: true });
  mkdirSync(dirname(dirs.bigRemote), { recursive: true });
  mkdirSync(dirs.remoteScratch, { recursive: true });
  execFileSync('sh', ['-c', `head -c ${bigBytes} /dev/urandom > '${dirs.bigLocal}'`]);
  execFileSync('cp', [dirs.bigLocal, dirs.bigRemote]);
  for (let i = 0; i < 2000; i++) {
    const d = join(dirs.treeLocal, `d${Math.floor(i / 100)}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${i}.bin`), Buffer.alloc(8192, i % 251));
  }
  execFileSync('cp', ['-r', dirs.treeLocal, dirs.treeRemote]);
  execFileSync('chown', ['-R', `${user}:${user}`, remote]);
  chmodSync(runDir, 0o711);
  chmodSync(remote, 0o755);
  return dirs;
}

/**
 * Runs `sftp` on a batch and polls /proc every 50 ms for the peak RSS
 * (VmHWM) of sftp and the ssh it runs, until sftp exits. Rejects when sftp
 * fails or no peak was read (the reference would be unmeasured).
 */
function sftpWithPeakRss(args: string[], batch: string): Promise<{ seconds: number; peakMiB: number }> {
  const t0 = performance.now();
  const child = spawn('sftp', args, { stdio: ['pipe', 'ignore', 'inherit'] });
  const peaks = new Map<number, number>();
  const poll = (): void => {
    const pid = child.pid;
    if (pid === undefined) return;
    for (const p of [pid, ...childPids(pid)]) peaks.set(p, Math.max(peaks.get(p) ?? 0, memoryKiB(p)?.peak ?? 0));
  };
  const timer = setInterval(poll, 50);
  child.stdin.end(`${batch}\n`);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - t0) / 1000;
      const peakMiB = [...peaks.values()].reduce((a, b) => a + b, 0) / 1024;
      if (code !== 0) reject(new Error(`sftp exited ${code}`));
      else if (peaks.size < 2 || peakMiB === 0) reject(new Error('the OpenSSH client peak RSS was not read'));
      else resolve({ seconds, peakMiB });
    });
  });
}

function runProfile(config: SftpProfileConfig): Promise<SftpProfileResult> {
  return runJsonChild(join(here, 'sftp-profile.ts'), [JSON.stringify(config)], `${config.runtime} profile`, [
    '--expose-gc',
  ]);
}
