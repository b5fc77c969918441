// `npm run bench -- ssh`: Hostdeck's SSH engine against the OpenSSH client,
// both measured in this run against the same local sshd (issue 3 targets):
//   bulk_throughput   exec `head -c 500M /dev/zero`, MB/s        (≥ 1.3× openssh)
//   keystroke_p50/p99 one key through a pty running cat, echo RTT (p99 ≤ 1.0×)
//   shell_ready       connect → shell prompt on screen, ms        (≤ 0.7×)
// Both sides use aes128-gcm@openssh.com, key auth and a strict known_hosts.
// The gateway bridge figures (bridge_throughput, bridge_keystroke_p50) need
// the gateway (branch `gateway`); they are left out until it is merged.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printReport, stats, type Measurement } from './report.js';

const require = createRequire(import.meta.url);
const CIPHER = 'aes128-gcm@openssh.com';
const BULK_BYTES = 500 * 1024 * 1024;
const KEYS = 500;

export async function main(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const runs = quick ? 1 : 3;
  const readyRuns = quick ? 3 : 10;
  const runDir = mkdtempSync(join(tmpdir(), 'hostdeck-bench-ssh-'));
  chmodSync(runDir, 0o711);
  // The rig's helpers put peers and their pid list in this folder.
  process.env['HOSTDECK_TEST_RUN_DIR'] = runDir;
  const { ensureTestUsers } = await import('../test/support/users.js');
  const { startSshd } = await import('../test/support/sshd.js');
  const { SshConnection } = await import('../main/ssh/connection.js');
  const { HostKeyTrust } = await import('../main/ssh/host-key-trust.js');
  const { appendKnownHost, hostLookupName } = await import('../main/ssh/known-hosts.js');
  const { SshShell } = await import('../main/ssh/shell.js');
  const binding = (require('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean }).bindingAvailable;

  ensureTestUsers();
  const sshd = await startSshd();
  try {
    const knownHosts = join(runDir, 'known_hosts');
    const [type, b64] = sshd.hostPublicKey().split(' ') as [string, string];
    appendKnownHost(knownHosts, hostLookupName(sshd.host, sshd.port), type, Buffer.from(b64, 'base64'), false);
    const trust = new HostKeyTrust({ ownFile: knownHosts, userFiles: [] });
    const connect = () =>
      SshConnection.connect({
        host: sshd.host,
        port: sshd.port,
        username: sshd.keyUser,
        keyFiles: [{ path: sshd.clientKeyPath }],
        agent: false,
        trust,
        askHostKey: async () => false,
      });
    const sshArgs = [
      '-F', '/dev/null', '-p', String(sshd.port), '-i', sshd.clientKeyPath, '-c', CIPHER,
      '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes', '-o', 'LogLevel=ERROR', `${sshd.keyUser}@${sshd.host}`,
    ];

    // Bulk: MB/s of `head -c 500M /dev/zero` reaching us.
    const hdBulk: number[] = [];
    const osBulk: number[] = [];
    for (let i = 0; i < runs; i++) {
      const conn = await connect();
      const t0 = performance.now();
      const ch = await conn.exec(`head -c ${BULK_BYTES} /dev/zero`);
      let n = 0;
      ch.on('data', (d: Buffer) => (n += d.length));
      await new Promise((r) => ch.once('close', r));
      hdBulk.push(n / 1e6 / ((performance.now() - t0) / 1000));
      conn.close();
      osBulk.push(await opensshBulk(sshArgs));
    }

    // Keystrokes: one byte to `cat` on a pty, time until its echo returns.
    const conn = await connect();
    const ch = await conn.exec('cat', { pty: { term: 'xterm-256color', cols: 80, rows: 24, width: 0, height: 0 } });
    const hdKeys = await keystrokes((b) => ch.write(b), (fn) => ch.on('data', fn));
    ch.close();
    conn.close();
    const os = spawn('ssh', ['-tt', ...sshArgs, 'cat'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const osKeys = await keystrokes((b) => os.stdin.write(b), (fn) => os.stdout.on('data', fn));
    os.kill();

    // Shell ready: connect, log in, pty shell, first prompt on screen.
    const hdReady: number[] = [];
    const osReady: number[] = [];
    for (let i = 0; i < readyRuns; i++) {
      const t0 = performance.now();
      const c = await connect();
      const shell = await SshShell.open(c, { cols: 80, rows: 24 });
      await untilPrompt((fn) => shell.channel.on('data', fn));
      hdReady.push(performance.now() - t0);
      c.close();
      const t1 = performance.now();
      const p = spawn('ssh', ['-tt', ...sshArgs], { stdio: ['pipe', 'pipe', 'ignore'] });
      await untilPrompt((fn) => p.stdout.on('data', fn));
      osReady.push(performance.now() - t1);
      p.kill();
    }

    const hk = stats(hdKeys);
    const ok = stats(osKeys);
    const rows: Measurement[] = [
      { metric: 'bulk_throughput', value: stats(hdBulk).median, unit: 'MB/s', reference: 'openssh', referenceValue: stats(osBulk).median, note: `median of ${runs}; target ≥ 1.3×` },
      { metric: 'keystroke_p50', value: hk.p50, unit: 'ms', reference: 'openssh', referenceValue: ok.p50, note: `${KEYS} keys` },
      { metric: 'keystroke_p99', value: hk.p99, unit: 'ms', reference: 'openssh', referenceValue: ok.p99, note: 'target ≤ 1.0×' },
      { metric: 'shell_ready', value: stats(hdReady).median, unit: 'ms', reference: 'openssh', referenceValue: stats(osReady).median, note: `median of ${readyRuns}; target ≤ 0.7×` },
    ];
    printReport('ssh', 'SSH engine (Hostdeck/ssh2 vs OpenSSH client, same sshd, aes128-gcm)', rows, [
      `ssh2 native crypto binding loaded: ${binding ? 'yes' : 'NO (expect about 0.4× bulk throughput)'}`,
      'bridge_throughput / bridge_keystroke_p50: not measured (the gateway is not merged into this branch)',
    ]);
  } finally {
    await sshd.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

function opensshBulk(sshArgs: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('ssh', [...sshArgs, `head -c ${BULK_BYTES} /dev/zero`], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve(BULK_BYTES / 1e6 / ((performance.now() - t0) / 1000)) : reject(new Error(`ssh exited ${code}`))));
  });
}

type OnData = (fn: (d: Buffer) => void) => void;

/** Sends KEYS single bytes, each after the previous echo arrived; returns round trips in ms. */
async function keystrokes(write: (b: Buffer) => void, onData: OnData): Promise<number[]> {
  let waiting: ((d: Buffer) => void) | null = null;
  onData((d) => waiting?.(d));
  // Let the remote cat start: the first echo proves it.
  const roundTrip = (key: string): Promise<number> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      waiting = (d) => {
        if (d.includes(key)) {
          waiting = null;
          resolve(performance.now() - t0);
        }
      };
      write(Buffer.from(key));
    });
  await roundTrip('s');
  const out: number[] = [];
  for (let i = 0; i < KEYS; i++) out.push(await roundTrip(String.fromCharCode(97 + (i % 26))));
  write(Buffer.from([3]));
  return out;
}

/** Resolves when a shell prompt ("$ " at the end of the output so far) appears. */
function untilPrompt(onData: OnData): Promise<void> {
  return new Promise((resolve) => {
    let text = '';
    let done = false;
    onData((d) => {
      if (done) return;
      text += d.toString('utf8');
      if (/\$ $/.test(text)) {
        done = true;
        resolve();
      }
    });
  });
}

