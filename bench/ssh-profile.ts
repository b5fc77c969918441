// One runtime profile of the SSH bench, in a process of its own:
//   node --import tsx bench/ssh-profile.ts '<ProfileConfig JSON>'
// With runtime 'electron' the process first applies the Electron runtime model
// (test/support/electron-runtime.ts: BoringSSL's cipher set, ssh2's
// OpenSSL-built binding refused) and only then loads ssh2, as the desktop app
// runs it. It measures Hostdeck's own connection (the cipher Hostdeck picks
// there) and, for choosing that order, bulk throughput of fixed cipher/MAC
// pairs through ssh2 directly. Prints one JSON line (ProfileResult) on stdout.
import { applyElectronRuntimeModel } from '../test/support/electron-runtime.js';
import type { ProfileTarget } from './profile-rig.js';

export interface ProfileConfig extends ProfileTarget {
  bulkBytes: number;
  /** Bulk runs through Hostdeck's connection. */
  runs: number;
  keys: number;
  readyRuns: number;
  /** Cipher/MAC pairs measured through ssh2 directly (MAC ignored for AEAD ciphers). */
  matrix: Array<{ cipher: string; mac: string }>;
  /** Rounds over the matrix; each round measures every pair once, so load changes hit all pairs alike. */
  matrixRounds: number;
}

export interface ProfileResult {
  runtime: 'electron' | 'node';
  binding: boolean;
  offer: { cipher: string[]; hmac: string[]; unavailable: string[] };
  negotiated: { cipher: string; mac: string };
  strictKex: boolean;
  bulk: number[];
  keys: number[];
  ready: number[];
  /** mbps: wall-clock MB/s; mbPerCpuSecond: MB per second of this process's CPU time (user + system, all threads). */
  matrix: Array<{ cipher: string; mac: string; mbps: number[]; mbPerCpuSecond: number[] }>;
  /** The same CPU measure for Hostdeck's own bulk runs. */
  bulkMbPerCpuSecond: number[];
}

const config = JSON.parse(process.argv[2] ?? '{}') as ProfileConfig;
if (config.runtime === 'electron') applyElectronRuntimeModel();

const { readFileSync } = await import('node:fs');
const net = (await import('node:net')).default;
const ssh2 = (await import('ssh2')).default;
const { SshConnection } = await import('../main/ssh/connection.js');
const { HostKeyTrust } = await import('../main/ssh/host-key-trust.js');
const { SshShell } = await import('../main/ssh/shell.js');
const { sshOffer } = await import('../main/ssh/algorithms.js');
const { keyLogin, PROMPT, probeStream } = await import('./ssh-measure.js');
const { nativeStatus } = await import('../main/api/native.js');
type Conn = import('../main/ssh/connection.js').SshConnection;

const binding = nativeStatus().sshCrypto;
const trust = new HostKeyTrust({ ownFile: config.knownHosts, userFiles: [] });
let negotiated = { cipher: '', mac: '' };
let strictKex = false;
const connect = (): Promise<Conn> =>
  SshConnection.connect(
    keyLogin(config, trust, (cs, strict) => {
      negotiated = { cipher: cs.cipher, mac: cs.mac };
      strictKex = strict;
    }),
  );

const bulkCommand = `head -c ${config.bulkBytes} /dev/zero`;

// Bulk through Hostdeck's connection, timed from before connecting (as the OpenSSH run is timed over the whole `ssh` process).
const bulk: number[] = [];
const bulkMbPerCpuSecond: number[] = [];
for (let i = 0; i < config.runs; i++) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const conn = await connect();
  const ch = await conn.exec(bulkCommand);
  let n = 0;
  ch.on('data', (d: Buffer) => (n += d.length));
  await new Promise((r) => ch.once('close', r));
  bulk.push(n / 1e6 / ((performance.now() - t0) / 1000));
  bulkMbPerCpuSecond.push(n / 1e6 / cpuSeconds(cpu0));
  conn.close();
  if (n !== config.bulkBytes) throw new Error(`bulk run got ${n} bytes, expected ${config.bulkBytes}`);
}

// Keystrokes: one byte to `cat` on a pty, time until its echo returns.
let keys: number[] = [];
if (config.keys > 0) {
  const conn = await connect();
  const ch = await conn.exec('cat', { pty: { term: 'xterm-256color', cols: 80, rows: 24, width: 0, height: 0 } });
  keys = await probeStream(ch).keys(config.keys);
  ch.close();
  conn.close();
}

// Shell ready: TCP connect, key exchange, login, pty shell, first prompt on screen.
const ready: number[] = [];
for (let i = 0; i < config.readyRuns; i++) {
  const t0 = performance.now();
  const c = await connect();
  const shell = await SshShell.open(c, { cols: 80, rows: 24 });
  await probeStream(shell.channel).until(PROMPT);
  ready.push(performance.now() - t0);
  c.close();
}

// Fixed cipher/MAC pairs through ssh2 directly (same library, same runtime, no Hostdeck code on the data path).
const key = readFileSync(config.keyPath);
// Wall-clock MB/s moves with whatever else the machine runs; the CPU time this
// process spends per MB moves much less (not zero: a busy sibling hyperthread
// slows it too), so both are kept, and each round measures every pair.
const matrix: ProfileResult['matrix'] = config.matrix.map((pair) => ({ ...pair, mbps: [], mbPerCpuSecond: [] }));
for (let round = 0; round < config.matrixRounds; round++) {
  for (const row of matrix) {
    const cpu0 = process.cpuUsage();
    row.mbps.push(await directBulk(row.cipher, row.mac));
    row.mbPerCpuSecond.push(config.bulkBytes / 1e6 / cpuSeconds(cpu0));
  }
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

function directBulk(cipher: string, mac: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const t0 = performance.now();
    client.on('error', reject);
    client.on('ready', () => {
      client.exec(bulkCommand, (err, ch) => {
        if (err) return reject(err);
        let n = 0;
        ch.on('data', (d: Buffer) => (n += d.length));
        ch.once('close', () => {
          client.end();
          if (n !== config.bulkBytes) return reject(new Error(`${cipher}/${mac}: got ${n} bytes`));
          resolve(n / 1e6 / ((performance.now() - t0) / 1000));
        });
      });
    });
    // The socket set up as SshConnection does (TCP_NODELAY): with Nagle on, the
    // client's small window-adjust packets wait for ACKs and the server stalls
    // on its window; that halved these rows before, whatever the cipher.
    const sock = net.connect({ host: config.host, port: config.port });
    sock.setNoDelay(true);
    client.connect({
      sock,
      username: config.user,
      privateKey: key,
      // The bench's own sshd, started a moment ago; Hostdeck's verified path is measured above.
      hostVerifier: () => true,
      algorithms: { cipher: [cipher] as never, hmac: [mac] as never },
    });
  });
}

const offer = sshOffer();
const result: ProfileResult = {
  runtime: config.runtime,
  binding,
  offer: { cipher: offer.cipher, hmac: offer.hmac, unavailable: offer.unavailable },
  negotiated,
  strictKex,
  bulk,
  bulkMbPerCpuSecond,
  keys,
  ready,
  matrix,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
