// TunnelManager's bookkeeping against a real sshd: state changes are
// reported at once, counter changes at most once per interval (here an
// interval no test reaches, so a 16 MiB transfer yields at most the one
// leading report); the counters add up to what crossed; stop leaves no
// channel, timer or lease behind.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelManager } from '../main/tunnels/tunnel-manager.js';
import type { ForwardStatus } from '../shared/tunnels.js';
import type { SavedHost } from '../shared/model/host.js';
import { connectTo, forwardingHost, loopbackLocalForward, sshdLeaser } from '../bench/tunnels-rig.js';
import { startSourceServer, type TcpPeer } from './support/net.js';
import { makeTempDir } from './support/processes.js';
import { startSshd, type Sshd } from './support/sshd.js';

let sshd: Sshd;
let source: TcpPeer;
const BYTES = 16 * 1024 * 1024;

beforeAll(async () => {
  sshd = await startSshd();
  source = await startSourceServer(BYTES);
});
afterAll(async () => {
  await source.close();
  await sshd.stop();
});

describe('TunnelManager', () => {
  it('throttles counter reports, reports states at once, counts every byte, and stop releases the connection', async () => {
    const leaser = sshdLeaser(sshd, makeTempDir('manager'));
    const host = forwardingHost('h', [loopbackLocalForward('L', source.port)]);
    const reports: ForwardStatus[] = [];
    const manager = new TunnelManager({
      hosts: { getHost: () => host, listHosts: () => [host] },
      lease: () => leaser.lease(),
      changed: (s) => reports.push(s),
      intervalMs: 3_600_000,
    });
    try {
      const st = await manager.start('h', 'L', 'o');
      expect(st.state).toBe('active');
      expect(reports.map((r) => r.state)).toEqual(['starting', 'active']);
      const sock = await connectTo(st.listening?.port as number);
      let got = 0;
      await new Promise<void>((ok) => {
        sock.on('data', (d: Buffer) => (got += d.length));
        sock.once('end', ok);
      });
      sock.destroy();
      expect(got).toBe(BYTES);
      await expect.poll(() => manager.list()[0]?.channels).toBe(0);
      const now = manager.list()[0] as ForwardStatus;
      expect(now).toMatchObject({ state: 'active', channelsTotal: 1, bytesIn: BYTES, bytesOut: 0 });
      // Hundreds of chunks crossed; within one interval there was no second counter report.
      expect(reports.filter((r) => r.state === 'active').length).toBeLessThanOrEqual(2);
      expect(leaser.pool.size).toBe(1);
      const stopped = await manager.stop('h', 'L');
      expect(stopped.state).toBe('stopped');
      // The state change flushes at once, with the final counters.
      expect(reports.at(-1)).toMatchObject({ state: 'stopped', bytesIn: BYTES });
      expect(leaser.pool.size).toBe(0);
      // Stopping twice, and starting after a stop, both work.
      expect((await manager.stop('h', 'L')).state).toBe('stopped');
      expect((await manager.start('h', 'L', 'o2')).state).toBe('active');
    } finally {
      await manager.dispose();
      await leaser.pool.closeAll();
    }
    expect(manager.list()[0]?.state).toBe('stopped');
  });

  it('starts forwards marked so with the host’s first session only, and restartFailed starts the failed ones again', async () => {
    const leaser = sshdLeaser(sshd, makeTempDir('manager-auto'));
    const busy = net.createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    const busyPort = (busy.address() as net.AddressInfo).port;
    const forward = { kind: 'local', bindAddress: '127.0.0.1', targetHost: '127.0.0.1', targetPort: source.port };
    const host = {
      id: 'h',
      name: 'h',
      protocol: 'ssh',
      forwards: [
        { ...forward, id: 'auto', bindPort: 0 },
        { ...forward, id: 'manual', bindPort: 0, autoStart: false },
        { ...forward, id: 'busy', bindPort: busyPort },
      ],
    } as unknown as SavedHost;
    const manager = new TunnelManager({
      hosts: { getHost: () => host, listHosts: () => [host] },
      lease: () => leaser.lease(),
      changed: () => undefined,
    });
    const states = (): Record<string, string> => Object.fromEntries(manager.list().map((s) => [s.forwardId, s.state]));
    try {
      const end1 = manager.sessionOpened('h', 'o1');
      await expect.poll(states).toEqual({ auto: 'active', manual: 'stopped', busy: 'failed' });
      await manager.stop('h', 'auto');
      // A second session of the same host is not the first: nothing starts.
      const end2 = manager.sessionOpened('h', 'o2');
      expect(states()).toMatchObject({ auto: 'stopped' });
      end1();
      end1(); // ending twice counts once
      end2();
      // The port is free now: reconnecting starts the failed forward, and only it.
      await new Promise((ok) => busy.close(ok));
      const restarted = await manager.restartFailed('h', 'o3');
      expect(restarted.map((s) => [s.forwardId, s.state])).toEqual([['busy', 'active']]);
      expect(states()).toEqual({ auto: 'stopped', manual: 'stopped', busy: 'active' });
      // Every session ended: the next one is a first again.
      manager.sessionOpened('h', 'o4');
      await expect.poll(states).toMatchObject({ auto: 'active', manual: 'stopped' });
    } finally {
      await manager.dispose();
      await leaser.pool.closeAll();
      busy.close();
    }
  });
});
