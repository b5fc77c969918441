// A forward started on its own (from the Tunnels panel, no terminal open:
// `ssh -N -L`) whose link dies starts again by itself, with the tabs' rules:
// it counts down (state reconnecting, retryIn each second), tries again while
// the link is down, comes back on the same port when the link does, stops
// trying when stopped, never tries again after a changed host key, and
// leaves the work to the terminal when one is open. The link is a relay
// (test/support/link-proxy.ts) in front of a real sshd, cut and restored.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelManager } from '../main/tunnels/tunnel-manager.js';
import type { ForwardStatus } from '../shared/tunnels.js';
import {
  connectTo,
  forwardingHost,
  httpOver,
  sshdLeaser,
  startHttpTarget,
  type HttpTarget,
} from '../bench/tunnels-rig.js';
import { startLinkProxy, type LinkProxy } from './support/link-proxy.js';
import { freePort } from './support/net.js';
import { makeTempDir } from './support/processes.js';
import { startSshd, type Sshd } from './support/sshd.js';

let sshd: Sshd;
let other: Sshd;
let target: HttpTarget;

beforeAll(async () => {
  [sshd, other, target] = await Promise.all([startSshd(), startSshd(), startHttpTarget()]);
});
afterAll(async () => {
  await target.close();
  await Promise.all([sshd.stop(), other.stop()]);
});

interface Rig {
  proxy: LinkProxy;
  manager: TunnelManager;
  reports: ForwardStatus[];
  bindPort: number;
  state(): ForwardStatus;
  close(): Promise<void>;
}

/** A manager whose one forward (id L, a fixed local port to the HTTP target) rides a link relay to `sshd`. */
async function rig(name: string, scheduleMs: readonly number[]): Promise<Rig> {
  const proxy = await startLinkProxy(sshd.port);
  const leaser = sshdLeaser({ ...sshd, port: proxy.port }, makeTempDir(name));
  const bindPort = await freePort();
  const host = forwardingHost('h', [
    { id: 'L', kind: 'local', bindAddress: '127.0.0.1', bindPort, targetHost: '127.0.0.1', targetPort: target.port },
  ]);
  const reports: ForwardStatus[] = [];
  const manager = new TunnelManager({
    hosts: { getHost: () => host, listHosts: () => [host] },
    lease: () => leaser.lease(),
    changed: (s) => reports.push(s),
    retryScheduleMs: scheduleMs,
  });
  return {
    proxy,
    manager,
    reports,
    bindPort,
    state: () => manager.list()[0] as ForwardStatus,
    close: async () => {
      await manager.dispose();
      await leaser.pool.closeAll();
      await proxy.close();
    },
  };
}

async function fetchThrough(port: number, path: string): Promise<string> {
  return httpOver(await connectTo(port), path);
}

describe('a forward started with no terminal, after its link dies', () => {
  it('counts down, keeps trying while the link is down, and comes back on the same port', async () => {
    // The first waits are long enough to see the countdown, the rest short.
    const r = await rig('retry-back', [2_000, 100, 100]);
    try {
      expect((await r.manager.start('h', 'L', 'panel')).state).toBe('active');
      expect(await fetchThrough(r.bindPort, '/before')).toContain('hello /before');
      // A channel open when the link dies goes with it: no report while reconnecting counts it.
      const held = await connectTo(r.bindPort);
      await expect.poll(() => r.state().channels).toBe(1);
      r.proxy.cut();
      await expect.poll(() => r.state().state, { timeout: 10_000 }).toBe('reconnecting');
      held.destroy();
      const waiting = r.state();
      expect(r.reports.filter((s) => s.state === 'reconnecting').map((s) => s.channels)).not.toContain(1);
      expect(waiting.error?.code).toBe('SSH_DISCONNECTED');
      expect(waiting.retryIn).toBeGreaterThanOrEqual(1);
      expect(waiting.retryIn).toBeLessThanOrEqual(2);
      // Nothing listens while the link is down: the port is given back.
      await expect(connectTo(r.bindPort)).rejects.toThrow();
      // A report each second of the countdown: 2, then 1.
      await expect
        .poll(() => r.reports.some((s) => s.state === 'reconnecting' && s.retryIn === 1), { timeout: 10_000 })
        .toBe(true);
      // Tries made while the link is still down fail on the link and count down again.
      const before = r.proxy.accepted;
      await expect.poll(() => r.proxy.accepted, { timeout: 10_000 }).toBeGreaterThan(before + 1);
      expect(r.reports.some((s) => s.state === 'starting')).toBe(true);
      expect(['reconnecting', 'starting']).toContain(r.state().state);
      r.proxy.restore();
      await expect.poll(() => r.state().state, { timeout: 10_000 }).toBe('active');
      expect(r.state()).toMatchObject({ listening: { port: r.bindPort } });
      expect(r.state().error).toBeUndefined();
      expect(await fetchThrough(r.bindPort, '/after')).toContain('hello /after');
    } finally {
      await r.close();
    }
  });

  it('stops trying when stopped while it counts down', async () => {
    const r = await rig('retry-stop', [60_000]);
    try {
      await r.manager.start('h', 'L', 'panel');
      r.proxy.cut();
      await expect.poll(() => r.state().state, { timeout: 10_000 }).toBe('reconnecting');
      const accepted = r.proxy.accepted;
      expect((await r.manager.stop('h', 'L')).state).toBe('stopped');
      expect(r.state().retryIn).toBeUndefined();
      r.proxy.restore();
      // Start is still the person's to press: nothing connects by itself.
      const probe = net.connect(r.proxy.port, '127.0.0.1');
      await new Promise((ok) => probe.once('connect', ok));
      probe.destroy();
      expect(r.proxy.accepted).toBe(accepted + 1);
      expect(r.state().state).toBe('stopped');
    } finally {
      await r.close();
    }
  });

  it('never tries again after the host key changed', async () => {
    const r = await rig('retry-hostkey', [50]);
    try {
      await r.manager.start('h', 'L', 'panel');
      // The same address now answers with another machine (another host key).
      r.proxy.retarget(other.port);
      r.proxy.cut();
      r.proxy.restore();
      await expect.poll(() => r.state().state, { timeout: 10_000 }).toBe('failed');
      expect(r.state().error?.code).toBe('SSH_HOST_KEY_CHANGED');
      const accepted = r.proxy.accepted;
      // Well past the 50 ms wait: no other try.
      await new Promise((ok) => setTimeout(ok, 500));
      expect(r.proxy.accepted).toBe(accepted);
      expect(r.state().state).toBe('failed');
    } finally {
      await r.close();
    }
  });

  it('leaves it failed while a terminal of the host is open (the terminal reconnects and brings it back)', async () => {
    const r = await rig('retry-tab', [50]);
    try {
      await r.manager.start('h', 'L', 'panel');
      const ended = r.manager.sessionOpened('h', 'tab');
      r.proxy.cut();
      await expect.poll(() => r.state().state, { timeout: 10_000 }).toBe('failed');
      ended();
      r.proxy.restore();
      // The tab's new link (SshOpener's 'restored') starts it again.
      const again = await r.manager.restartFailed('h', 'restored');
      expect(again.map((s) => s.state)).toEqual(['active']);
    } finally {
      await r.close();
    }
  });
});
