// Main's side of reconnecting, against a real sshd: the pool reports a link
// that died ('lost', with why) and the connection that replaced it
// ('restored'), and marks the leases on it; a connection closed on purpose is
// not a loss. probe() (run for every pooled connection when the machine
// wakes) ends a link that no longer answers, as the keepalive would, and
// leaves a live one alone.
import { describe, expect, it } from 'vitest';
import { connectionProcesses, startSshd, type Sshd } from './support/sshd.js';
import { signalAll } from './support/processes.js';
import { keyUserOptions, sharedSshd, trustFiles, type TrustFiles } from './fixtures/ssh/harness.js';
import { SshConnection } from '../main/ssh/connection.js';
import { ConnectionPool, type PoolEvent } from '../main/ssh/pool.js';
import type { HostdeckError } from '../shared/errors.js';
import { sessionsApi } from '../main/api/sessions-api.js';
import type { HostLinkEvent } from '../main/api/sessions/ssh-open.js';
import { Gateway } from '../main/gateway/gateway.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { makeHome } from './support/serve.js';

let sshd: Sshd;
let t: TrustFiles;
const cleanups = sharedSshd((s, tf) => {
  sshd = s;
  t = tf;
});

describe('ConnectionPool link events', () => {
  it("a killed link is 'lost' with its reason; the next connection for the key is 'restored', and its leases say so", async () => {
    const pool = new ConnectionPool();
    const events: PoolEvent[] = [];
    const off = pool.subscribe((ev) => events.push(ev));
    const connect = (): Promise<SshConnection> => SshConnection.connect(keyUserOptions(sshd, t));
    const first = await pool.acquire('k', connect);
    expect(first.restored).toBe(false);
    const closed = new Promise<HostdeckError | null>((r) => first.connection.once('close', r));
    signalAll(connectionProcesses(sshd), 'SIGKILL');
    expect((await closed)?.code).toBe('SSH_DISCONNECTED');
    expect(events).toMatchObject([{ type: 'lost', key: 'k', error: { code: 'SSH_DISCONNECTED' } }]);
    expect(pool.size).toBe(0);
    first.release();

    const [a, b] = await Promise.all([pool.acquire('k', connect), pool.acquire('k', connect)]);
    cleanups.push(() => (a.release(), b.release()));
    expect(a.connection).toBe(b.connection);
    expect([a.restored, b.restored]).toEqual([true, true]);
    expect(events.map((e) => e.type)).toEqual(['lost', 'restored']);
    expect(events[1]).toMatchObject({ type: 'restored', key: 'k', connection: a.connection });

    // Released on purpose: not a loss, and the next one is not a restore.
    a.release();
    b.release();
    await expect.poll(() => pool.size).toBe(0);
    const again = await pool.acquire('k', connect);
    cleanups.push(() => again.release());
    expect(again.restored).toBe(false);
    expect(events.map((e) => e.type)).toEqual(['lost', 'restored']);
    off();
  });
});

describe('SshConnection.probe', () => {
  it('a live link answers and stays open', async () => {
    const conn = await SshConnection.connect(keyUserOptions(sshd, t));
    cleanups.push(() => conn.close());
    await conn.probe(5_000);
    expect(conn.state).toBe('open');
  });

  it('a link that stopped answering (the per-connection sshd stopped) ends as a keepalive timeout', async () => {
    const own = await startSshd();
    cleanups.push(() => own.stop());
    const pool = new ConnectionPool();
    const lease = await pool.acquire('p', () => SshConnection.connect(keyUserOptions(own, trustFiles([own]))));
    cleanups.push(() => lease.release());
    const closed = new Promise<HostdeckError | null>((r) => lease.connection.once('close', r));
    // After the login sshd forks a new process to serve the connection (privilege separation): one
    // answered check means that process is the one answering, so it is among those stopped below.
    await lease.connection.probe(10_000);
    const pids = connectionProcesses(own);
    cleanups.push(() => signalAll(pids, 'SIGCONT'));
    signalAll(pids, 'SIGSTOP');
    await pool.probeAll(300);
    const err = await closed;
    expect(err?.code).toBe('SSH_DISCONNECTED');
    expect(err?.details).toMatchObject({ reason: 'keepalive-timeout', intervalMs: 300, countMax: 1 });
    expect(err?.message).toContain('a keepalive check got no reply');
    expect(pool.size).toBe(0);
  });
});

describe('SshOpener.subscribeLinks (the reconnect point for forwards and file browsers)', () => {
  it("tells per saved host: 'lost' when its pooled link dies, 'restored' when the next lease reopens it", async () => {
    const harness = new StoreHarness('reconnect-links');
    const gateway = await Gateway.start({ allowedOrigins: ['http://127.0.0.1:1'] });
    const store = harness.open({ saveDelayMs: 0 });
    const host = store.saveHost({
      name: 'rig',
      protocol: 'ssh',
      address: sshd.host,
      port: sshd.port,
      username: sshd.keyUser,
      auth: { type: 'privateKey', path: sshd.clientKeyPath },
      folder: [],
      tags: [],
      notes: '',
    });
    const sessions = sessionsApi({
      store,
      gateway: () => gateway,
      emit: () => undefined,
      homeDir: makeHome(),
      userKnownHosts: [t.userFile],
    });
    try {
      const events: HostLinkEvent[] = [];
      const off = sessions.ssh.subscribeLinks((ev) => events.push(ev));
      const first = await sessions.ssh.lease(host.id, 'o1', new AbortController().signal);
      const closed = new Promise((r) => first.lease.connection.once('close', r));
      signalAll(connectionProcesses(sshd), 'SIGKILL');
      await closed;
      first.lease.release();
      expect(events).toMatchObject([{ type: 'lost', hostId: host.id, error: { code: 'SSH_DISCONNECTED' } }]);
      const again = await sessions.ssh.lease(host.id, 'o2', new AbortController().signal);
      expect(again.lease.restored).toBe(true);
      expect(events.map((e) => [e.type, e.hostId])).toEqual([
        ['lost', host.id],
        ['restored', host.id],
      ]);
      again.lease.release();
      off();
    } finally {
      await sessions.dispose();
      await gateway.close();
      harness.cleanup();
    }
  });
});

describe('a channel opened as the link dies', () => {
  it('is SSH_DISCONNECTED (a link failure a tab retries), not SSH_CHANNEL_FAILED (a refusal it does not)', async () => {
    const conn = await SshConnection.connect(keyUserOptions(sshd, t));
    cleanups.push(() => conn.close());
    const closed = new Promise<HostdeckError | null>((r) => conn.once('close', r));
    // The open is on the wire when sshd's side of the connection dies: ssh2 fails it as the socket ends.
    const opening = conn.exec('true');
    signalAll(connectionProcesses(sshd), 'SIGKILL');
    await expect(opening).rejects.toMatchObject({ code: 'SSH_DISCONNECTED' });
    expect((await closed)?.code).toBe('SSH_DISCONNECTED');
  });
});
