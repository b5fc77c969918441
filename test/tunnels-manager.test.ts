// TunnelManager's bookkeeping against a real sshd: state changes are
// reported at once, counter changes at most once per interval (here an
// interval no test reaches, so a 16 MiB transfer yields at most the one
// leading report); the counters add up to what crossed; stop leaves no
// channel, timer or lease behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelManager } from '../main/tunnels/tunnel-manager.js';
import type { ForwardStatus } from '../shared/tunnels.js';
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
});
