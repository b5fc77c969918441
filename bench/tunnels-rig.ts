// Peers shared by the tunnel tests and the tunnels bench: a SOCKS5 client
// written from RFC 1928 (so the proxy is checked against the RFC, not against
// itself), a tiny HTTP target, a pooled lease to a test sshd, and an sshd
// whose name lookups see an /etc/hosts this process does not (a mount
// namespace), to prove a SOCKS name is resolved on the far side.
import { writeFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { HostKeyTrust } from '../main/ssh/host-key-trust.js';
import { SshConnection } from '../main/ssh/connection.js';
import { ConnectionPool, type Lease } from '../main/ssh/pool.js';
import { killTree, startTracked, type Tracked } from '../test/support/processes.js';
import { waitForBanner } from '../test/support/net.js';
import type { Sshd } from '../test/support/sshd.js';
import { keyLogin, sshdKeyUser } from './ssh-measure.js';
import type { PortForward, SavedHost } from '../shared/model/host.js';

/** Reads exactly `n` bytes from `sock` (any chunking), or rejects when it closes first. */
export function readBytes(sock: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const sockOnData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < n) return;
      cleanup();
      sock.pause();
      if (buf.length > n) sock.unshift(buf.subarray(n));
      resolve(buf.subarray(0, n));
    };
    const sockOnEnd = (): void => {
      cleanup();
      reject(Object.assign(new Error(`closed after ${buf.length} of ${n} bytes`), { got: buf }));
    };
    const cleanup = (): void => {
      sock.removeListener('data', sockOnData);
      sock.removeListener('end', sockOnEnd);
      sock.removeListener('close', sockOnEnd);
    };
    sock.on('data', sockOnData);
    sock.once('end', sockOnEnd);
    sock.once('close', sockOnEnd);
    sock.resume();
  });
}

export function connectTo(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host }, () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** The DST.ADDR of a SOCKS5 request: ATYP and the address bytes (RFC 1928 §5). */
export function socksAddress(host: string): Buffer {
  if (net.isIPv4(host)) return Buffer.from([0x01, ...host.split('.').map(Number)]);
  if (net.isIPv6(host)) {
    const full = new net.SocketAddress({ address: host, family: 'ipv6' }).address;
    const halves = full.split('::');
    const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
    const head = groups(halves[0]);
    const tail = groups(halves[1]);
    const all = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
    const b = Buffer.alloc(17);
    b[0] = 0x04;
    all.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), 1 + i * 2));
    return b;
  }
  return Buffer.concat([Buffer.from([0x03, host.length]), Buffer.from(host, 'latin1')]);
}

/**
 * Does the RFC 1928 handshake (no authentication, CONNECT) on `sock`;
 * resolves the reply code (0 succeeded) with the socket ready for data.
 */
export async function socksConnect(sock: net.Socket, host: string, port: number): Promise<number> {
  sock.write(Buffer.from([0x05, 0x01, 0x00]));
  const method = await readBytes(sock, 2);
  if (method[0] !== 0x05 || method[1] !== 0x00) throw new Error(`SOCKS method reply ${method.toString('hex')}`);
  const p = Buffer.alloc(2);
  p.writeUInt16BE(port);
  sock.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x00]), socksAddress(host), p]));
  const head = await readBytes(sock, 4);
  const addrLength = head[3] === 0x01 ? 4 : head[3] === 0x04 ? 16 : ((await readBytes(sock, 1))[0] as number);
  await readBytes(sock, addrLength + 2);
  return head[1] as number;
}

/** An HTTP/1.0 GET over an already-connected socket; resolves the whole response text. */
export function httpOver(sock: net.Socket, path: string, hostHeader = 'target'): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => (text += d));
    sock.once('end', () => resolve(text));
    sock.once('error', reject);
    sock.resume();
    sock.write(`GET ${path} HTTP/1.0\r\nHost: ${hostHeader}\r\n\r\n`);
  });
}

export interface HttpTarget {
  port: number;
  host: string;
  /** Requests served, with the peer address each came from. */
  readonly served: Array<{ path: string; from: string }>;
  close(): Promise<void>;
}

/** Answers every GET with "hello <path>" (and /big with `bigBytes` bytes). */
export async function startHttpTarget(host = '127.0.0.1', bigBytes = 0): Promise<HttpTarget> {
  const served: Array<{ path: string; from: string }> = [];
  const big = Buffer.alloc(bigBytes, 0x61);
  const server = http.createServer((req, res) => {
    served.push({ path: req.url ?? '', from: req.socket.remoteAddress ?? '' });
    if (req.url === '/big') {
      res.writeHead(200, { 'content-length': big.length });
      res.end(big);
      return;
    }
    res.end(`hello ${req.url}`);
  });
  await new Promise<void>((ok) => server.listen(0, host, ok));
  return {
    port: (server.address() as net.AddressInfo).port,
    host,
    served,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** A local forward (-L) from 127.0.0.1 on a port the OS chooses to 127.0.0.1:`targetPort` on the server's side. */
export function loopbackLocalForward(id: string, targetPort: number): PortForward {
  return { id, kind: 'local', bindAddress: '127.0.0.1', bindPort: 0, targetHost: '127.0.0.1', targetPort };
}

/** What a TunnelManager reads of a saved SSH host, and no more: its id (also its name) and its forwards. */
export function forwardingHost(id: string, forwards: PortForward[]): SavedHost {
  return { id, name: id, protocol: 'ssh', forwards } as unknown as SavedHost;
}

/** A lease on a pooled, verified connection to the test sshd as its key user (as SshOpener.lease gives). */
export function sshdLeaser(sshd: Sshd, dir: string): { lease: () => Promise<Lease>; pool: ConnectionPool } {
  const pool = new ConnectionPool();
  const trust = new HostKeyTrust({ ownFile: join(dir, 'known_hosts'), userFiles: [] });
  // The known_hosts starts empty: the first connection trusts the key it is shown.
  const connect = (): Promise<SshConnection> =>
    SshConnection.connect({ ...keyLogin(sshdKeyUser(sshd), trust), askHostKey: async () => true });
  return { lease: () => pool.acquire(`${sshd.host}:${sshd.port}`, connect), pool };
}

/**
 * Restarts `sshd` (same config, key and port) inside a new mount namespace
 * (`unshare -m`) where /etc/hosts also maps `names` to 127.0.0.1. This
 * process keeps the machine's /etc/hosts, so those names resolve only on the
 * server's side. Needs root and util-linux unshare. Returns the stopper.
 */
export async function restartWithPrivateHosts(sshd: Sshd, names: readonly string[]): Promise<() => Promise<void>> {
  const hosts = join(sshd.dir, 'hosts');
  writeFileSync(hosts, `${readFileSync('/etc/hosts', 'utf8')}\n${names.map((n) => `127.0.0.1 ${n}`).join('\n')}\n`);
  await sshd.kill();
  const cfg = join(sshd.dir, 'sshd_config');
  const p: Tracked = startTracked('unshare', [
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mount --bind "$1" /etc/hosts && exec /usr/sbin/sshd -D -e -f "$2"',
    'sh',
    hosts,
    cfg,
  ]);
  await waitForBanner(sshd.host, sshd.port, 'SSH-2.0-', 15_000, () => p.child.exitCode === null);
  return async () => {
    if (p.child.pid !== undefined) killTree(p.child.pid);
    await p.stop('SIGKILL');
  };
}
