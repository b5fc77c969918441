// `npm run bench -- tunnels [--quick] [--runtime=both|node|electron]`:
// Hostdeck's port forwards against the OpenSSH client on the same local sshd,
// each in a process of its own, the same reader in this process for both.
// Rows (electron_* for the Electron runtime profile, bench/tunnels-profile.ts):
//   forward_throughput   MB/s of a bulk TCP download through a local forward   vs `ssh -N -L`   (target ≥ 1.0× in node)
//   forward_cpu          MB per CPU-second of the forwarding process during those downloads
//   ssh2_forward_throughput  the same download through ssh2 alone (bench/tunnels-ssh2.ts, no Hostdeck
//                        code): the library's ceiling, measured in the same rounds
//   socks_connect_p50    ms from opening the SOCKS5 connection to the first byte of the target's banner,
//                        CONNECT by IPv4 address                                vs `ssh -N -D`
//   socks_connect_p99    the same, 99th percentile
// Both sides use aes128-gcm@openssh.com (the cipher Hostdeck negotiates with
// OpenSSH; ssh would pick chacha20 by default), so the cipher is not what is compared.
// Every forwarder carries one untimed download first (Node compiles its hot
// paths there; ssh gets the same), then the timed rounds go round the sides in
// turn, so a change of load meets them alike; each row's note gives the median
// and range of the per-round ratios (this round's value over this round's ssh).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertMeasured, printReport, stats, type Measurement } from './report.js';
import { inOwnRunDir } from '../test/support/processes.js';
import { freePort, startSourceServer } from '../test/support/net.js';
import { startSshd } from '../test/support/sshd.js';
import { ensureTestUsers } from '../test/support/users.js';
import { connectTo, readBytes, socksConnect } from './tunnels-rig.js';
import type { TunnelProfileConfig, TunnelProfileReady } from './tunnels-profile.js';
import type { TunnelSsh2Config } from './tunnels-ssh2.js';
import { opensshLogin, runtimeArg, runtimesOf, trustedTarget, type ProfileTarget } from './profile-rig.js';

const here = dirname(fileURLToPath(import.meta.url));
const CIPHER = 'aes128-gcm@openssh.com';

interface Side {
  name: string;
  pid: number;
  localPort: number;
  socksPort: number;
  stop(): Promise<void>;
}

export function main(args: string[]): Promise<void> {
  // This bench's own run folder: its peers and their pid list.
  return inOwnRunDir('hostdeck-bench-tunnels', (dir) => measure(args, dir));
}

async function measure(args: string[], runDir: string): Promise<void> {
  const quick = args.includes('--quick');
  const runtime = runtimeArg(args);
  const bulkBytes = (quick ? 64 : 256) * 1024 * 1024;
  const rounds = quick ? 3 : 7;
  const connects = quick ? 50 : 200;
  ensureTestUsers();
  const sshd = await startSshd();
  const source = await startSourceServer(bulkBytes, 256 * 1024);
  const banner = net.createServer((s) => s.end('x'));
  await new Promise<void>((ok) => banner.listen(0, '127.0.0.1', ok));
  const bannerPort = (banner.address() as net.AddressInfo).port;
  const target = trustedTarget(sshd, runDir);
  const sides: Side[] = [];
  try {
    const openssh = await startOpenssh(target, source.port);
    sides.push(openssh);
    const profiles: Array<Side & { ready: TunnelProfileReady }> = [];
    for (const rt of runtimesOf(runtime)) {
      const p = await startProfile({ runtime: rt, ...target, targetPort: source.port });
      profiles.push(p);
      sides.push(p);
    }
    sides.push(
      await startSsh2({
        ...target,
        targetPort: source.port,
        cipher: CIPHER,
        hostKey: hostKeyBlob(sshd.hostPublicKey()),
      }),
    );
    for (const s of sides) await download(s.localPort, bulkBytes);
    const bulk = new Map<string, number[]>(sides.map((s) => [s.name, []]));
    const cpu = new Map<string, number[]>(sides.map((s) => [s.name, []]));
    for (let r = 0; r < rounds; r++)
      for (const s of sides) {
        const before = cpuSeconds(s.pid);
        bulk.get(s.name)?.push(await download(s.localPort, bulkBytes));
        cpu.get(s.name)?.push(bulkBytes / 1e6 / (cpuSeconds(s.pid) - before));
      }
    const socks = new Map<string, number[]>(sides.map((s) => [s.name, []]));
    // Interleaved in blocks so a load change hits every side alike.
    for (let block = 0; block < 10; block++)
      for (const s of sides.filter((x) => x.socksPort !== 0))
        for (let i = 0; i < connects / 10; i++) socks.get(s.name)?.push(await socksFirstByte(s.socksPort, bannerPort));
    report({ bulk, socks, cpu }, profiles, bulkBytes, rounds, connects);
  } finally {
    for (const s of sides) await s.stop();
    banner.close();
    await source.close();
    await sshd.stop();
  }
}

function report(
  { bulk, socks, cpu }: Record<'bulk' | 'socks' | 'cpu', Map<string, number[]>>,
  profiles: Array<Side & { ready: TunnelProfileReady }>,
  bulkBytes: number,
  rounds: number,
  connects: number,
): void {
  const ssh = bulk.get('openssh') ?? [];
  const os = stats(ssh);
  const osSocks = stats(socks.get('openssh') ?? []);
  const osCpu = stats(cpu.get('openssh') ?? []);
  const ceiling = bulk.get('ssh2') ?? [];
  const rows: Measurement[] = [];
  for (const p of profiles) {
    const prefix = p.name === 'node' ? '' : 'electron_';
    const own = bulk.get(p.name) ?? [];
    const b = stats(own);
    const c = stats(socks.get(p.name) ?? []);
    rows.push(
      {
        metric: `${prefix}forward_throughput`,
        value: b.median,
        unit: 'MB/s',
        reference: 'openssh_L',
        referenceValue: os.median,
        better: 'higher',
        note: `median of ${rounds} × ${bulkBytes / 2 ** 20} MiB (${b.min.toFixed(0)}–${b.max.toFixed(0)}; ssh ${os.min.toFixed(0)}–${os.max.toFixed(0)}); per round ÷ ssh ${pairedRatios(own, ssh)}, ÷ bare ssh2 ${pairedRatios(own, ceiling)}; ${p.ready.cipher}, native ${p.ready.binding}${p.name === 'node' ? '; target ≥ 1.0×' : ''}`,
      },
      {
        metric: `${prefix}forward_cpu`,
        value: stats(cpu.get(p.name) ?? []).median,
        unit: 'MB/CPU-s',
        reference: 'openssh_L',
        referenceValue: osCpu.median,
        better: 'higher',
        note: 'MB per CPU-second of the forwarding process during forward_throughput',
      },
      {
        metric: `${prefix}socks_connect_p50`,
        value: c.p50,
        unit: 'ms',
        reference: 'openssh_D',
        referenceValue: osSocks.p50,
        better: 'lower',
        note: `${connects} CONNECTs to 127.0.0.1, first banner byte`,
      },
      {
        metric: `${prefix}socks_connect_p99`,
        value: c.p99,
        unit: 'ms',
        reference: 'openssh_D',
        referenceValue: osSocks.p99,
        better: 'lower',
      },
    );
  }
  const s2 = stats(ceiling);
  rows.push(
    {
      metric: 'ssh2_forward_throughput',
      value: s2.median,
      unit: 'MB/s',
      reference: 'openssh_L',
      referenceValue: os.median,
      better: 'higher',
      note: `ssh2 alone (bench/tunnels-ssh2.ts), the ceiling for forward_throughput: median of ${rounds} (${s2.min.toFixed(0)}–${s2.max.toFixed(0)}); per round ÷ ssh ${pairedRatios(ceiling, ssh)}`,
    },
    {
      metric: 'ssh2_forward_cpu',
      value: stats(cpu.get('ssh2') ?? []).median,
      unit: 'MB/CPU-s',
      reference: 'openssh_L',
      referenceValue: osCpu.median,
      better: 'higher',
      note: 'MB per CPU-second of the ssh2-alone forwarder',
    },
  );
  assertMeasured(rows);
  printReport('tunnels', 'Port forwards (Hostdeck vs OpenSSH client)', rows, [
    `Hostdeck forwards (main/tunnels) in a child process per runtime profile vs ${spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim()} -N -L/-D, -c ${CIPHER}, one local sshd`,
  ]);
}

/** "median× (min–max×)" of a[i] / b[i], round by round (both measured in round i). */
function pairedRatios(a: readonly number[], b: readonly number[]): string {
  const r = stats(a.map((v, i) => v / (b[i] as number)));
  return `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)}×)`;
}

/** The key blob of an OpenSSH public-key line ("type base64 [comment]"), base64. */
function hostKeyBlob(line: string): string {
  return line.split(' ')[1] as string;
}

/** User + system CPU seconds of process `pid` so far (/proc/<pid>/stat fields 14 and 15, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** MB/s of reading `bytes` through the forward on `port`. */
async function download(port: number, bytes: number): Promise<number> {
  const t0 = performance.now();
  const sock = await connectTo(port);
  let got = 0;
  await new Promise<void>((ok, fail) => {
    sock.on('data', (d: Buffer) => (got += d.length));
    sock.once('end', ok);
    sock.once('error', fail);
  });
  sock.destroy();
  if (got !== bytes) throw new Error(`forward_throughput: got ${got} of ${bytes} bytes`);
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
}

/** ms from opening a SOCKS5 connection to the first byte from the target. */
async function socksFirstByte(socksPort: number, targetPort: number): Promise<number> {
  const t0 = performance.now();
  const sock = await connectTo(socksPort);
  sock.setNoDelay(true);
  const reply = await socksConnect(sock, '127.0.0.1', targetPort);
  if (reply !== 0) throw new Error(`socks_connect: reply ${reply}`);
  await readBytes(sock, 1);
  const ms = performance.now() - t0;
  sock.destroy();
  return ms;
}

async function waitForListener(port: number, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} never listened on ${port}`);
}

async function startOpenssh(target: Omit<ProfileTarget, 'runtime'>, targetPort: number): Promise<Side> {
  const localPort = await freePort();
  const socksPort = await freePort();
  const child = spawn(
    'ssh',
    [
      ...opensshLogin(target, CIPHER),
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      '-L',
      `127.0.0.1:${localPort}:127.0.0.1:${targetPort}`,
      '-D',
      `127.0.0.1:${socksPort}`,
      `${target.user}@${target.host}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  // The probe connect to the -L port opens a download; it is closed at once.
  await waitForListener(socksPort, child, 'ssh -D');
  await waitForListener(localPort, child, 'ssh -L');
  return {
    name: 'openssh',
    pid: child.pid as number,
    localPort,
    socksPort,
    stop: async () => {
      child.kill();
      if (child.exitCode === null) await new Promise((ok) => child.once('exit', ok));
    },
  };
}

/**
 * Runs `node --import tsx bench/<script> <config as JSON>` as a forwarder of
 * its own: resolves with its first stdout line parsed as JSON (its ready
 * line), its pid, and a stop() that ends its stdin and waits for it to exit.
 * Rejects, naming `what`, if it exits before that line.
 */
async function startForwarder<R>(
  script: string,
  config: unknown,
  what: string,
): Promise<{ ready: R; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, script), JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = await new Promise<R>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve(JSON.parse(out.slice(0, nl)) as R);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}`)));
  });
  return {
    ready,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((ok) => child.once('exit', ok));
      child.stdin.end();
      await exited;
    },
  };
}

async function startProfile(config: TunnelProfileConfig): Promise<Side & { ready: TunnelProfileReady }> {
  const f = await startForwarder<TunnelProfileReady>('tunnels-profile.ts', config, `${config.runtime} tunnels profile`);
  return {
    name: config.runtime,
    pid: f.pid,
    localPort: f.ready.localPort,
    socksPort: f.ready.socksPort,
    ready: f.ready,
    stop: f.stop,
  };
}

/** The ssh2-alone forwarder (bench/tunnels-ssh2.ts) as a side named 'ssh2', with no SOCKS port. */
async function startSsh2(config: TunnelSsh2Config): Promise<Side> {
  const f = await startForwarder<{ localPort: number }>('tunnels-ssh2.ts', config, 'tunnels-ssh2');
  return { name: 'ssh2', pid: f.pid, localPort: f.ready.localPort, socksPort: 0, stop: f.stop };
}
