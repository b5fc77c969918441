// Shells, the gateway bridge, tunnels, sharing and jump hosts against real
// sshd. Bytes are delivered badly on purpose: keystrokes one byte per write
// (UTF-8 split), output read one byte per read; hostile control frames; a
// reader that never acks; a server killed mid-session; a link that goes
// silent without closing.
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { connectionProcesses, startSshd, type Sshd } from './support/sshd.js';
import { freePort, startEchoServer } from './support/net.js';
import { signalAll } from './support/processes.js';
import {
  DEFAULT_KEEPALIVE_COUNT_MAX,
  DEFAULT_KEEPALIVE_INTERVAL,
  SshConnection,
  type ConnectOptions,
} from '../main/ssh/connection.js';
import { SshShell } from '../main/ssh/shell.js';
import { ShellBridge } from '../main/ssh/bridge.js';
import { openTunnel } from '../main/ssh/tunnel.js';
import { connectThrough } from '../main/ssh/jump.js';
import { ConnectionPool, poolKey } from '../main/ssh/pool.js';
import { shellTargetOpener } from '../main/ssh/session.js';
import { keyUserOptions, logSince, sharedSshd, trustFiles, type TrustFiles } from './fixtures/ssh/harness.js';
import { OneByteReader, typeBytewise } from './fixtures/ssh/terminal-reader.js';
import { RecordingLink } from './fixtures/ssh/fake-link.js';
import type { HostdeckError } from '../shared/errors.js';

let sshd: Sshd;
let t: TrustFiles;
const cleanups = sharedSshd((s, tf) => {
  sshd = s;
  t = tf;
});

async function open(s: Sshd = sshd, tf: TrustFiles = t, extra = {}): Promise<SshConnection> {
  const conn = await SshConnection.connect(keyUserOptions(s, tf, extra));
  cleanups.push(() => conn.close());
  return conn;
}

async function bridged(conn: SshConnection, opts: { cols?: number; rows?: number; high?: number; low?: number } = {}) {
  const shell = await SshShell.open(conn, { cols: opts.cols ?? 80, rows: opts.rows ?? 24 });
  const link = new RecordingLink();
  const bridge = new ShellBridge(shell, link, { highWatermark: opts.high, lowWatermark: opts.low });
  const reader = new OneByteReader(bridge.stream);
  cleanups.push(() => {
    reader.dispose();
    bridge.stream.destroy();
  });
  // Type only at the prompt: keys typed earlier are echoed by the pty while
  // sshd writes "Last login", and the two interleave mid-character.
  await expect.poll(() => reader.text).toMatch(/\$ $/);
  return { shell, link, bridge, reader };
}

describe('shell through the bridge', () => {
  it('keystrokes one byte at a time (UTF-8 split) and output read one byte at a time arrive intact', async () => {
    const { bridge, reader } = await bridged(await open());
    const sample = 'héllo wörld ✓ 日本語 🚀';
    typeBytewise(bridge.stream, `echo "$LANG"; printf '%s\\n' "S$((1))" '${sample}' "E$((2))"\r`);
    await expect.poll(() => reader.text, { timeout: 20_000 }).toMatch(/E2/);
    expect(reader.text).toMatch(/C\.UTF-8/);
    const out = reader.text.slice(reader.text.lastIndexOf('S1'));
    expect(out).toContain(sample);
    expect(reader.text).not.toContain('\uFFFD');
  });

  it('a long multi-byte burst read one byte at a time keeps every character', async () => {
    const { bridge, reader } = await bridged(await open());
    // 3000 × "é✓🚀" = 27000 bytes: many SSH packets, characters split at packet edges.
    typeBytewise(bridge.stream, `for i in $(seq 3000); do printf 'é✓🚀'; done; echo; echo D$((3))\r`);
    await expect.poll(() => reader.text, { timeout: 30_000 }).toMatch(/D3/);
    expect(reader.text).toContain('é✓🚀'.repeat(3000));
    expect(reader.text).not.toContain('\uFFFD');
  });

  it('resize is seen by stty size', async () => {
    const { bridge, reader } = await bridged(await open(), { cols: 80, rows: 24 });
    typeBytewise(bridge.stream, 'stty size\r');
    // bash turns bracketed paste off (ESC[?2004l) and returns the carriage before the output.
    await expect.poll(() => reader.text).toMatch(/\r24 80\r\n/);
    bridge.receiveControl(JSON.stringify({ type: 'resize', cols: 123, rows: 45 }));
    typeBytewise(bridge.stream, 'stty size\r');
    await expect.poll(() => reader.text).toMatch(/\r45 123\r\n/);
  });

  it('hostile control frames are refused one by one; the shell goes on', async () => {
    const { bridge, link, reader } = await bridged(await open());
    const hostile = [
      'not json',
      '[]',
      'null',
      '{"type":"resize","cols":-1,"rows":5}',
      '{"type":"resize","cols":1e9,"rows":5}',
      '{"type":"resize","cols":80}',
      '{"type":"resize","cols":80,"rows":24,"x":1}',
      '{"type":"ack","bytes":"9"}',
      '{"type":"ack","bytes":1.5}',
      '{"type":"exit","code":0}',
      '{"__proto__":{"type":"ack"}}',
      `{"type":"ack","bytes":1,"p":"${'x'.repeat(5000)}"}`,
    ];
    for (const h of hostile) bridge.receiveControl(h);
    expect(link.sent).toHaveLength(hostile.length);
    expect(
      link.sent.every(
        (m) =>
          (m as { type: string; code: string }).type === 'error' && (m as { code: string }).code === 'SSH_BAD_CONTROL',
      ),
    ).toBe(true);
    typeBytewise(bridge.stream, 'echo ALIVE$((4))\r');
    await expect.poll(() => reader.text).toMatch(/ALIVE4/);
  });

  it('exit status: an exit frame then the end of the stream', async () => {
    const { bridge, link } = await bridged(await open());
    const ended = new Promise((r) => bridge.stream.once('end', r));
    typeBytewise(bridge.stream, 'exit 7\r');
    await ended;
    // 'ready' once, first (the shell is open), then the exit.
    expect([link.readyFrames, link.readyAfter]).toEqual([1, 0]);
    expect(link.sent).toEqual([{ type: 'exit', code: 7, signal: null }]);
  });

  it('exit by signal is reported with the signal name', async () => {
    const { bridge, link } = await bridged(await open());
    typeBytewise(bridge.stream, 'kill -KILL $$\r');
    await expect.poll(() => link.sent.length).toBe(1);
    expect(link.sent).toEqual([{ type: 'exit', code: null, signal: 'KILL' }]);
  });

  it('the page going away closes the shell channel', async () => {
    const { shell, link } = await bridged(await open());
    link.pageGone();
    await expect.poll(() => shell.hasExited).toBe(true);
  });
});

describe('flow control', () => {
  it('a reader that never acks pauses the channel at HIGH; acks resume it', async () => {
    const high = 256 * 1024;
    const { bridge, reader, shell } = await bridged(await open(), { high, low: 64 * 1024 });
    let maxUnacked = 0;
    let maxChunk = 0;
    bridge.stream.on('data', () => undefined);
    shell.channel.on('data', (d: Buffer) => {
      maxChunk = Math.max(maxChunk, d.length);
      maxUnacked = Math.max(maxUnacked, bridge.unacked);
    });
    // 1 GB of output: without flow control it would all pile up in memory.
    const rssBefore = process.memoryUsage().rss;
    typeBytewise(bridge.stream, 'head -c 1G /dev/zero\r');
    await expect.poll(() => bridge.paused, { timeout: 20_000 }).toBe(true);
    const atPause = reader.bytes;
    expect(bridge.unacked).toBeGreaterThan(high);
    // The server keeps sending until the channel window (2 MiB in ssh2) is used up, then stops:
    // what sits in ssh2's buffer is bounded by that window, and nothing reaches the page.
    // Wait for the real stall: the window we granted is used up, so sshd cannot send more.
    const incoming = (shell.channel as unknown as { incoming: { window: number } }).incoming;
    await expect.poll(() => incoming.window, { timeout: 20_000 }).toBeLessThan(64 * 1024);
    // ssh2 buffers at most its readable highWaterMark (one 2 MiB window) plus the window outstanding when it stopped adjusting.
    expect(shell.channel.readableLength).toBeLessThanOrEqual(2 * 2 * 1024 * 1024 + 64 * 1024);
    // And the process as a whole: far less than the gigabyte on offer.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    expect(maxUnacked).toBeLessThanOrEqual(high + maxChunk);
    expect(reader.bytes - atPause).toBeLessThanOrEqual(maxChunk);
    // The page draws everything it got: the channel resumes and more arrives.
    bridge.receiveControl(JSON.stringify({ type: 'ack', bytes: bridge.unacked }));
    expect(bridge.paused).toBe(false);
    await expect.poll(() => reader.bytes, { timeout: 20_000 }).toBeGreaterThan(atPause + high);
    await expect.poll(() => bridge.paused, { timeout: 20_000 }).toBe(true);
    expect(maxUnacked).toBeLessThanOrEqual(high + maxChunk);
    bridge.stream.write(Buffer.from([3]));
  });
});

describe('connections', () => {
  it('a re-key checks the same host key again and the connection stays open', async () => {
    let handshakes = 0;
    const conn = await open(sshd, t, { onHandshake: () => handshakes++ });
    expect(handshakes).toBe(1);
    // ssh2 re-keys by itself after about 1 GB (RFC 4344 §3.1); force one now.
    await conn.rekey();
    await expect.poll(() => handshakes).toBe(2);
    expect(conn.state).toBe('open');
    const ch = await conn.exec('echo still-here');
    let out = '';
    ch.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => ch.once('close', r));
    expect(out.trim()).toBe('still-here');
  });

  it('a tunnel (forwardOut) is a Duplex that carries bytes both ways', async () => {
    const echo = await startEchoServer();
    cleanups.push(() => echo.close());
    const tunnel = await openTunnel(await open(), echo.host, echo.port);
    const got: Buffer[] = [];
    tunnel.on('data', (d: Buffer) => got.push(d));
    const payload = Buffer.alloc(200_000, 0x5a);
    tunnel.write(payload);
    await expect.poll(() => Buffer.concat(got).length).toBe(payload.length);
    expect(Buffer.concat(got).equals(payload)).toBe(true);
    tunnel.destroy();
  });

  it('pool: two tabs to the same host share one connection and ask nothing twice', async () => {
    const tf = trustFiles();
    const pool = new ConnectionPool();
    cleanups.push(() => pool.closeAll());
    let connects = 0;
    const opts = keyUserOptions(sshd, tf, { askHostKey: async (k) => (tf.asked.push(k), true) });
    const key = poolKey({
      host: sshd.host,
      port: sshd.port,
      username: sshd.keyUser,
      credentials: [sshd.clientKeyPath],
    });
    const connect = (): Promise<SshConnection> => (connects++, SshConnection.connect(opts));
    const mark = sshd.log().length;
    const [a, b] = await Promise.all([pool.acquire(key, connect), pool.acquire(key, connect)]);
    expect(a.connection).toBe(b.connection);
    expect(connects).toBe(1);
    expect(tf.asked).toHaveLength(1);
    const s1 = await SshShell.open(a.connection, { cols: 80, rows: 24 });
    const s2 = await SshShell.open(b.connection, { cols: 80, rows: 24 });
    expect(logSince(sshd, mark).match(/Accepted publickey/g)).toHaveLength(1);
    s1.close();
    a.release();
    expect(a.connection.state).toBe('open');
    s2.close();
    b.release();
    b.release();
    await expect.poll(() => b.connection.state).toBe('closed');
    expect(pool.size).toBe(0);
  });

  it('shell target opener: two tabs share a pooled connection; the last exit closes it', async () => {
    const pool = new ConnectionPool();
    cleanups.push(() => pool.closeAll());
    let connects = 0;
    const opener = shellTargetOpener({
      pool,
      key: poolKey({ host: sshd.host, port: sshd.port, username: sshd.keyUser, credentials: [sshd.clientKeyPath] }),
      connect: () => (connects++, SshConnection.connect(keyUserOptions(sshd, t))),
      cols: 100,
      rows: 30,
    });
    const links = [new RecordingLink(), new RecordingLink()];
    const tabs = (await Promise.all(links.map((l) => opener(l)))) as ShellBridge[];
    expect(connects).toBe(1);
    expect(pool.size).toBe(1);
    for (const tab of tabs) typeBytewise(tab.stream, 'exit 3\r');
    for (const tab of tabs) tab.stream.resume();
    await expect
      .poll(() => links.map((l) => l.sent))
      .toEqual([[{ type: 'exit', code: 3, signal: null }], [{ type: 'exit', code: 3, signal: null }]]);
    await expect.poll(() => pool.size).toBe(0);
  });

  it('two-hop jump chain: the target on 127.0.0.2 is reached through both hops; each host key is checked on its own', async () => {
    const middle = await startSshd();
    const target = await startSshd({ host: '127.0.0.2' });
    cleanups.push(
      () => middle.stop(),
      () => target.stop(),
    );
    const tf = trustFiles([sshd]);
    const ask = async (k: { host: string; port: number; keyType: string; fingerprint: string }): Promise<boolean> => (
      tf.asked.push(k),
      true
    );
    const hops = [keyUserOptions(sshd, tf, { askHostKey: ask }), keyUserOptions(middle, tf, { askHostKey: ask })];
    const final = await connectThrough(hops, keyUserOptions(target, tf, { askHostKey: ask }));
    cleanups.push(() => final.close());
    // The first hop was known; the second hop and the target were each asked about under their own name and key.
    expect(tf.asked).toEqual([
      expect.objectContaining({ host: middle.host, port: middle.port, fingerprint: middle.hostKeyFingerprint() }),
      expect.objectContaining({ host: '127.0.0.2', port: target.port, fingerprint: target.hostKeyFingerprint() }),
    ]);
    const ch = await final.exec('echo "$SSH_CONNECTION"');
    let out = '';
    ch.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => ch.once('close', r));
    // The target saw the connection arrive on 127.0.0.2, forwarded by the middle hop's sshd.
    expect(out.trim().split(' ')[2]).toBe('127.0.0.2');
    expect(target.log()).toMatch(/Accepted publickey for hostdeck-key/);
    expect(middle.log()).toMatch(/Accepted publickey for hostdeck-key/);
    const closed = new Promise((r) => final.once('close', r));
    final.close();
    expect(await closed).toBeNull();
    // Closing the final connection closes the hops, last first: the middle sshd sees its client go.
    // sshd logs "Disconnected from user" after our disconnect message, or "Transferred" when the link just closes.
    await expect
      .poll(() => middle.log(), { timeout: 10_000 })
      .toMatch(/Disconnected from user hostdeck-key|Transferred: sent \d+/);
  });

  it('a hop that cannot reach the next host reports SSH_CONNECTION_REFUSED for that host', async () => {
    const port = await freePort('127.0.0.2');
    const err = (await connectThrough([keyUserOptions(sshd, t)], {
      ...keyUserOptions(sshd, t),
      host: '127.0.0.2',
      port,
    }).catch((e: unknown) => e)) as HostdeckError;
    expect(err.code).toBe('SSH_CONNECTION_REFUSED');
    expect(err.details).toMatchObject({ host: '127.0.0.2', port });
  });

  it('a changed key on the second hop is refused even though the first hop is fine', async () => {
    const target = await startSshd({ host: '127.0.0.2' });
    cleanups.push(() => target.stop());
    const tf = trustFiles([sshd, target]);
    await target.restartWithNewHostKey();
    const mark = target.log().length;
    const err = (await connectThrough([keyUserOptions(sshd, tf)], keyUserOptions(target, tf)).catch(
      (e: unknown) => e,
    )) as HostdeckError;
    expect(err.code).toBe('SSH_HOST_KEY_CHANGED');
    await expect.poll(() => logSince(target, mark)).toMatch(/Connection from/);
    expect(logSince(target, mark)).not.toMatch(/Accepted|Failed|Postponed/);
  });
});

/** A shell tab on its own sshd, through the pool and the bridge, as the gateway opens one. */
async function lonelyTab(extra: Partial<ConnectOptions> = {}) {
  const own = await startSshd();
  cleanups.push(() => own.stop());
  const pool = new ConnectionPool();
  let conn: SshConnection | undefined;
  const opener = shellTargetOpener({
    pool,
    key: 'lonely',
    connect: async () => (conn = await SshConnection.connect(keyUserOptions(own, trustFiles([own]), extra))),
    cols: 80,
    rows: 24,
  });
  const link = new RecordingLink();
  const bridge = (await opener(link)) as ShellBridge;
  const reader = new OneByteReader(bridge.stream);
  cleanups.push(() => {
    reader.dispose();
    bridge.stream.destroy();
  });
  await expect.poll(() => reader.text).toMatch(/\$ $/);
  const c = conn as SshConnection;
  const closed = new Promise<HostdeckError | null>((r) => c.once('close', r));
  return { sshd: own, conn: c, closed, link, pool };
}

function handles(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    sockets: info.filter((r) => r === 'TCPSocketWrap').length,
    timers: info.filter((r) => r === 'Timeout').length,
  };
}

describe('losing the server', () => {
  it('sshd killed mid-session: SSH_DISCONNECTED to the tab, pool emptied, no socket or timer left behind', async () => {
    const doomed = await startSshd();
    cleanups.push(() => doomed.stop());
    const tf = trustFiles([doomed]);
    const before = handles();
    const pool = new ConnectionPool();
    let conn: SshConnection | undefined;
    const opener = shellTargetOpener({
      pool,
      key: 'doomed',
      connect: async () =>
        (conn = await SshConnection.connect(
          keyUserOptions(doomed, tf, { keepaliveInterval: 200, keepaliveCountMax: 2 }),
        )),
      cols: 80,
      rows: 24,
    });
    const link = new RecordingLink();
    const bridge = (await opener(link)) as ShellBridge;
    const reader = new OneByteReader(bridge.stream);
    typeBytewise(bridge.stream, 'echo UP$((5))\r');
    await expect.poll(() => reader.text).toMatch(/UP5/);
    // A second lease (another tab on the same connection) keeps the pool from
    // closing the connection on purpose when the shell's channel ends first,
    // so the connection's own end reason is the lost link, whatever order the
    // channel and the socket report in.
    const otherTab = await pool.acquire('doomed', () => Promise.reject(new Error('the connection is already pooled')));
    const closed = new Promise<HostdeckError | null>((r) => conn?.once('close', r));
    await doomed.kill();
    const err = await closed;
    expect(err?.code).toBe('SSH_DISCONNECTED');
    expect(err?.details?.['reason']).toBe('connection-lost');
    expect(conn?.state).toBe('closed');
    // One frame says why; no exit frame after it to overwrite it with "status ?".
    await expect.poll(() => link.sent.length).toBe(1);
    expect(link.sent[0]).toMatchObject({
      type: 'error',
      code: 'SSH_DISCONNECTED',
      message: expect.stringContaining('was lost'),
    });
    otherTab.release();
    expect(pool.size).toBe(0);
    reader.dispose();
    bridge.stream.destroy();
    await expect.poll(() => handles().sockets).toBeLessThanOrEqual(before.sockets);
    await expect.poll(() => handles().timers).toBeLessThanOrEqual(before.timers);
  });

  it('the per-connection sshd killed (kill -9), the listener alive: one SSH_DISCONNECTED frame saying the connection was lost', async () => {
    const { sshd: own, closed, link, pool } = await lonelyTab();
    const pids = connectionProcesses(own);
    expect(pids.length).toBeGreaterThan(0);
    signalAll(pids, 'SIGKILL');
    const err = await closed;
    expect(err?.code).toBe('SSH_DISCONNECTED');
    expect(err?.details?.['reason']).toBe('connection-lost');
    await expect.poll(() => link.sent.length).toBe(1);
    expect(link.sent[0]).toEqual({ type: 'error', code: 'SSH_DISCONNECTED', message: err?.message });
    expect(err?.message).toMatch(/connection to .* was lost/);
    expect(pool.size).toBe(0);
  });

  it('the per-connection sshd stopped (SIGSTOP): keepalive gives up, and the tab is told it was the keepalive', async () => {
    const { sshd: own, closed, link } = await lonelyTab({ keepaliveInterval: 200, keepaliveCountMax: 2 });
    const pids = connectionProcesses(own);
    cleanups.push(() => signalAll(pids, 'SIGCONT'));
    signalAll(pids, 'SIGSTOP');
    const err = await closed;
    expect(err?.code).toBe('SSH_DISCONNECTED');
    expect(err?.details).toMatchObject({ reason: 'keepalive-timeout', intervalMs: 200, countMax: 2 });
    await expect.poll(() => link.sent.length).toBe(1);
    expect(link.sent[0]).toMatchObject({
      type: 'error',
      code: 'SSH_DISCONNECTED',
      message: expect.stringContaining('2 keepalive checks'),
    });
  });

  it('production keepalive defaults (15 s × 3): a link gone silent is reported DISCONNECTED within 60 s', async () => {
    // No keepalive options: DEFAULT_KEEPALIVE_INTERVAL and DEFAULT_KEEPALIVE_COUNT_MAX (docs/SECURITY.md, "SSH" 6).
    const { sshd: own, conn, closed } = await lonelyTab();
    const pids = connectionProcesses(own);
    cleanups.push(() => signalAll(pids, 'SIGCONT'));
    signalAll(pids, 'SIGSTOP');
    const err = await closed;
    expect(err?.code).toBe('SSH_DISCONNECTED');
    expect(err?.details).toMatchObject({
      reason: 'keepalive-timeout',
      intervalMs: DEFAULT_KEEPALIVE_INTERVAL,
      countMax: DEFAULT_KEEPALIVE_COUNT_MAX,
    });
    expect(conn.state).toBe('closed');
  }, 75_000);

  it('a link that goes silent without closing is noticed by keepalive: DISCONNECTED', async () => {
    // A TCP relay we can freeze: it stops forwarding but keeps both sockets open, as a dead route does.
    let frozen = false;
    const pairs: net.Socket[] = [];
    const relay = net.createServer((client) => {
      const upstream = net.connect(sshd.port, sshd.host);
      pairs.push(client, upstream);
      client.on('data', (d) => frozen || upstream.write(d));
      upstream.on('data', (d) => frozen || client.write(d));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      for (const s of pairs) s.destroy();
      return new Promise((r) => relay.close(r));
    });
    const before = handles();
    const conn = await SshConnection.connect({
      ...keyUserOptions(sshd, t, { keepaliveInterval: 200, keepaliveCountMax: 2 }),
      port: (relay.address() as net.AddressInfo).port,
    }).catch((e: HostdeckError) => e);
    // Our known_hosts names the real port; through the relay the host is "someone else": trust it for this test.
    expect((conn as HostdeckError).code).toBe('SSH_HOST_KEY_UNKNOWN_REJECTED');
    const tf = trustFiles();
    const live = await SshConnection.connect({
      ...keyUserOptions(sshd, tf, { keepaliveInterval: 200, keepaliveCountMax: 2, askHostKey: async () => true }),
      port: (relay.address() as net.AddressInfo).port,
    });
    const closed = new Promise<HostdeckError | null>((r) => live.once('close', r));
    frozen = true;
    const err = await closed;
    expect(err?.code).toBe('SSH_DISCONNECTED');
    for (const s of pairs) s.destroy();
    await expect.poll(() => handles().sockets).toBeLessThanOrEqual(before.sockets);
  });
});
