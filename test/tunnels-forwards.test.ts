// Saved port forwards through the API against a real OpenSSH sshd: -L and -R
// carry an HTTP request end to end, -D (SOCKS5) carries one to a name only
// the server can resolve, a forward the server refuses shows why, a port in
// use is TUNNEL_PORT_IN_USE, and stopping gives everything back.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../main/api/create-api.js';
import type { ForwardStatus } from '../shared/tunnels.js';
import type { SavedHost } from '../shared/model/host.js';
import {
  connectTo,
  httpOver,
  restartWithPrivateHosts,
  socksConnect,
  startHttpTarget,
  type HttpTarget,
} from '../bench/tunnels-rig.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { serveModeApi } from './support/api.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { KEY_USER } from './support/users.js';

const harness = new StoreHarness('tunnels');
let sshd: Sshd;
let target: HttpTarget;
const apis: Api[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sshd = await startSshd();
  target = await startHttpTarget();
});
afterEach(async () => {
  for (const a of apis.splice(0)) await a.dispose();
  for (const c of cleanups.splice(0)) await c();
  harness.cleanup();
});
afterAll(async () => {
  await target.close();
  await sshd.stop();
});

let nextId = 1;
interface Setup {
  api: Api;
  events: ForwardStatus[];
  call<T = unknown>(method: string, ...params: unknown[]): Promise<T>;
  fail(method: string, ...params: unknown[]): Promise<{ code: string; message: string }>;
}

function setup(): Setup {
  // Forwards need no gateway.
  const api = serveModeApi(harness.open({ saveDelayMs: 0 }), undefined);
  apis.push(api);
  const events: ForwardStatus[] = [];
  api.dispatcher.subscribe((event, payload) => {
    if (event === 'tunnels.changed') events.push(payload as ForwardStatus);
    if (event === 'prompt.ask') {
      const p = payload as { promptId: string; kind: string };
      const answer = { type: 'decision', accept: p.kind === 'hostKey' };
      void api.dispatcher.handle({ id: nextId++, method: 'prompts.answer', params: [p.promptId, answer] });
    }
  });
  const raw = (method: string, params: unknown[]) => api.dispatcher.handle({ id: nextId++, method, params });
  return {
    api,
    events,
    async call<T>(method: string, ...params: unknown[]): Promise<T> {
      const r = await raw(method, params);
      if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
      return r.result as T;
    },
    async fail(method: string, ...params: unknown[]) {
      const r = await raw(method, params);
      if (r.ok) throw new Error(`${method} succeeded: ${JSON.stringify(r.result)}`);
      return r.error;
    },
  };
}

function sshHost(server: Sshd, forwards: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `tunnels ${server.port}`,
    protocol: 'ssh',
    address: server.host,
    port: server.port,
    username: server.keyUser,
    auth: { type: 'privateKey', path: server.clientKeyPath },
    folder: [],
    tags: [],
    notes: '',
    forwards,
    ...extra,
  };
}

async function started(s: Setup, host: SavedHost, forwardId: string): Promise<ForwardStatus> {
  return s.call<ForwardStatus>('tunnels.start', host.id, forwardId, { openId: `o${nextId++}` });
}

const localWeb = (port: number) => ({
  id: 'web',
  kind: 'local',
  bindAddress: '127.0.0.1',
  bindPort: 0,
  targetHost: '127.0.0.1',
  targetPort: port,
});

describe('port forwards through the API', () => {
  it('-L carries an HTTP request end to end with no terminal open, counts it, and stop frees the port', async () => {
    const s = setup();
    const host = await s.call<SavedHost>('hosts.create', sshHost(sshd, [localWeb(target.port)]));
    const before = sshd.log().length;
    const st = await started(s, host, 'web');
    expect(st.state, JSON.stringify(st.error)).toBe('active');
    const port = st.listening?.port as number;
    expect(port).toBeGreaterThan(0);

    const reply = await httpOver(await connectTo(port), '/through-L');
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply).toMatch(/hello \/through-L$/);
    // The request left from the SSH server's side (sshd connected to the target), not from us.
    expect(target.served.at(-1)?.path).toBe('/through-L');
    await expect
      .poll(async () => (await s.call<ForwardStatus[]>('tunnels.list')).find((f) => f.forwardId === 'web'))
      .toMatchObject({ state: 'active', channels: 0, channelsTotal: 1 });
    const listed = (await s.call<ForwardStatus[]>('tunnels.list')).find((f) => f.forwardId === 'web') as ForwardStatus;
    expect(listed.bytesOut).toBeGreaterThan(30);
    expect(listed.bytesIn).toBeGreaterThan(reply.length - 10);
    expect(s.events.some((e) => e.state === 'active')).toBe(true);
    // Like ssh -N: a login and a direct-tcpip channel, no session (shell) channel.
    const log = sshd.log().slice(before);
    expect(log).toMatch(/Accepted publickey for hostdeck-key/);
    expect(log).not.toMatch(/session opened|Starting session/);

    const stopped = await s.call<ForwardStatus>('tunnels.stop', host.id, 'web');
    expect(stopped.state).toBe('stopped');
    await expect(connectTo(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // The lease went back: the pooled connection closed.
    await expect
      .poll(() => sshd.log().slice(before))
      .toMatch(/Disconnected from user hostdeck-key|Received disconnect/);
  });

  it('-R carries an HTTP request from a port the server listens on back to this machine', async () => {
    const s = setup();
    const host = await s.call<SavedHost>(
      'hosts.create',
      sshHost(sshd, [
        {
          id: 'back',
          kind: 'remote',
          bindAddress: '127.0.0.1',
          bindPort: 0,
          targetHost: '127.0.0.1',
          targetPort: target.port,
        },
      ]),
    );
    const st = await started(s, host, 'back');
    expect(st.state, JSON.stringify(st.error)).toBe('active');
    const port = st.listening?.port as number;
    expect(port).toBeGreaterThan(0);
    const reply = await httpOver(await connectTo(port), '/through-R');
    expect(reply).toMatch(/hello \/through-R$/);
    await s.call('tunnels.stop', host.id, 'back');
    // cancel-tcpip-forward (or the connection's end) closes the server's listener.
    await expect
      .poll(() =>
        connectTo(port).then(
          (c) => (c.destroy(), 'open'),
          () => 'closed',
        ),
      )
      .toBe('closed');
  });

  it('two remote forwards on one connection each reach their own target', async () => {
    const other = await startHttpTarget();
    cleanups.push(() => other.close());
    const s = setup();
    const rf = (id: string, port: number) => ({
      id,
      kind: 'remote',
      bindAddress: '127.0.0.1',
      bindPort: 0,
      targetHost: '127.0.0.1',
      targetPort: port,
    });
    const host = await s.call<SavedHost>('hosts.create', sshHost(sshd, [rf('a', target.port), rf('b', other.port)]));
    const a = await started(s, host, 'a');
    const b = await started(s, host, 'b');
    expect(await httpOver(await connectTo(b.listening?.port as number), '/to-b')).toMatch(/hello \/to-b$/);
    expect(await httpOver(await connectTo(a.listening?.port as number), '/to-a')).toMatch(/hello \/to-a$/);
    expect(other.served.map((x) => x.path)).toEqual(['/to-b']);
  });

  it('-D resolves a name on the far side: one this machine cannot resolve reaches the target through SOCKS5', async () => {
    const FAR_ONLY = 'far-only.hostdeck.test';
    // The proof needs the name to fail here; the sshd below sees it in its own /etc/hosts.
    await expect(lookup(FAR_ONLY)).rejects.toMatchObject({ code: expect.stringMatching(/ENOTFOUND|EAI_AGAIN/) });
    const farSshd = await startSshd();
    const stopFar = await restartWithPrivateHosts(farSshd, [FAR_ONLY]);
    cleanups.push(async () => {
      await stopFar();
      await farSshd.stop();
    });
    const s = setup();
    const host = await s.call<SavedHost>(
      'hosts.create',
      sshHost(farSshd, [{ id: 'socks', kind: 'dynamic', bindAddress: '127.0.0.1', bindPort: 0 }]),
    );
    const st = await started(s, host, 'socks');
    expect(st.state, JSON.stringify(st.error)).toBe('active');
    const port = st.listening?.port as number;

    const byName = await connectTo(port);
    expect(await socksConnect(byName, FAR_ONLY, target.port)).toBe(0x00);
    expect(await httpOver(byName, '/by-name', FAR_ONLY)).toMatch(/hello \/by-name$/);

    const byIPv4 = await connectTo(port);
    expect(await socksConnect(byIPv4, '127.0.0.1', target.port)).toBe(0x00);
    expect(await httpOver(byIPv4, '/by-ipv4')).toMatch(/hello \/by-ipv4$/);

    const v6 = await startHttpTarget('::1');
    cleanups.push(() => v6.close());
    const byIPv6 = await connectTo(port);
    expect(await socksConnect(byIPv6, '::1', v6.port)).toBe(0x00);
    expect(await httpOver(byIPv6, '/by-ipv6')).toMatch(/hello \/by-ipv6$/);

    // A port nothing listens on: the server's "connect failed: Connection refused" is reply 0x05.
    const closedPort = await new Promise<number>((ok) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => ok(p));
      });
    });
    expect(await socksConnect(await connectTo(port), '127.0.0.1', closedPort)).toBe(0x05);
    // A name nobody resolves: host unreachable, 0x04.
    expect(await socksConnect(await connectTo(port), 'nowhere.hostdeck.invalid', 80)).toBe(0x04);
    const status = (await s.call<ForwardStatus[]>('tunnels.list')).find((f) => f.forwardId === 'socks');
    expect(status?.state).toBe('active');
    expect(status?.error?.code).toBe('TUNNEL_CHANNEL_REFUSED');
  });

  it('a server with AllowTcpForwarding no: -L channels are refused with its reason, -R is refused, SOCKS answers 0x02', async () => {
    const strict = await startSshd({ extraConfig: [`Match User ${KEY_USER}`, '  AllowTcpForwarding no'] });
    cleanups.push(() => strict.stop());
    const s = setup();
    const host = await s.call<SavedHost>(
      'hosts.create',
      sshHost(strict, [
        localWeb(target.port),
        { id: 'back', kind: 'remote', bindAddress: '127.0.0.1', bindPort: 0, targetHost: '127.0.0.1', targetPort: 1 },
        { id: 'socks', kind: 'dynamic', bindAddress: '127.0.0.1', bindPort: 0 },
      ]),
    );
    const local = await started(s, host, 'web');
    expect(local.state).toBe('active');
    const sock = await connectTo(local.listening?.port as number);
    await new Promise((ok) => sock.once('close', ok).resume());
    await expect
      .poll(async () => (await s.call<ForwardStatus[]>('tunnels.list')).find((f) => f.forwardId === 'web')?.error)
      .toMatchObject({ code: 'TUNNEL_CHANNEL_REFUSED', message: expect.stringMatching(/administratively prohibited/) });

    const remote = await started(s, host, 'back');
    expect(remote.state).toBe('failed');
    expect(remote.error?.code).toBe('TUNNEL_REMOTE_REFUSED');
    expect(remote.error?.message).toMatch(/AllowTcpForwarding/);

    const socks = await started(s, host, 'socks');
    expect(await socksConnect(await connectTo(socks.listening?.port as number), '127.0.0.1', target.port)).toBe(0x02);
    expect(strict.log()).toMatch(/refused local port forward|administratively prohibited|not permitted/i);
  });

  it('PermitListen: a remote forward on a port the server does not permit fails, one it permits works', async () => {
    const permitted = await new Promise<number>((ok) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => ok(p));
      });
    });
    const strict = await startSshd({
      extraConfig: [`Match User ${KEY_USER}`, `  PermitListen 127.0.0.1:${permitted}`],
    });
    cleanups.push(() => strict.stop());
    const s = setup();
    const rf = (id: string, bindPort: number) => ({
      id,
      kind: 'remote',
      bindAddress: '127.0.0.1',
      bindPort,
      targetHost: '127.0.0.1',
      targetPort: target.port,
    });
    const host = await s.call<SavedHost>('hosts.create', sshHost(strict, [rf('no', 0), rf('yes', permitted)]));
    const refused = await started(s, host, 'no');
    expect(refused.state).toBe('failed');
    expect(refused.error?.code).toBe('TUNNEL_REMOTE_REFUSED');
    expect(refused.error?.message).toMatch(/PermitListen/);
    const ok = await started(s, host, 'yes');
    expect(ok.state, JSON.stringify(ok.error)).toBe('active');
    expect(await httpOver(await connectTo(permitted), '/permitted')).toMatch(/hello \/permitted$/);
  });

  it('a local port already in use is TUNNEL_PORT_IN_USE, and the other forwards go on', async () => {
    const squatter = net.createServer();
    await new Promise<void>((ok) => squatter.listen(0, '127.0.0.1', ok));
    cleanups.push(() => new Promise((ok) => squatter.close(() => ok())));
    const taken = (squatter.address() as net.AddressInfo).port;
    const s = setup();
    const host = await s.call<SavedHost>(
      'hosts.create',
      sshHost(sshd, [
        { ...localWeb(target.port), bindPort: taken },
        { ...localWeb(target.port), id: 'free' },
      ]),
    );
    const st = await started(s, host, 'web');
    expect(st.state).toBe('failed');
    expect(st.error).toMatchObject({ code: 'TUNNEL_PORT_IN_USE', details: { port: taken } });
    expect(st.error?.message).toMatch(new RegExp(`Port ${taken} on 127.0.0.1 is already in use`));
    const free = await started(s, host, 'free');
    expect(free.state).toBe('active');
    expect(await httpOver(await connectTo(free.listening?.port as number), '/still')).toMatch(/hello \/still$/);
    // Failed, then stopped: a second start of the failed one fails the same way, not with a crash.
    expect((await s.call<ForwardStatus>('tunnels.stop', host.id, 'web')).state).toBe('stopped');
    expect((await started(s, host, 'web')).error?.code).toBe('TUNNEL_PORT_IN_USE');
  });

  it('a forward whose SSH connection dies says why, frees its port, tries again, and stops at a changed host key', async () => {
    const doomed = await startSshd();
    cleanups.push(() => doomed.stop());
    const s = setup();
    const host = await s.call<SavedHost>('hosts.create', sshHost(doomed, [localWeb(target.port)]));
    const st = await started(s, host, 'web');
    expect(st.state).toBe('active');
    const port = st.listening?.port as number;
    await doomed.kill();
    // No terminal of the host is open: the forward counts down to start again by itself (test/tunnels-reconnect.test.ts).
    await expect
      .poll(() => s.events.filter((e) => e.forwardId === 'web').at(-1))
      .toMatchObject({ state: 'reconnecting', error: { code: 'SSH_DISCONNECTED' } });
    await expect(connectTo(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await doomed.restartWithNewHostKey();
    // Start tries at once. A changed host key is refused (the prompt answer only trusts unknown keys): the start
    // fails, saying so, and no other try follows.
    const again = await started(s, host, 'web');
    expect(again.state).toBe('failed');
    expect(again.error?.code).toBe('SSH_HOST_KEY_CHANGED');
  });

  it('hostile arguments and hostile forwards are refused with a field-specific reason', async () => {
    const s = setup();
    const host = await s.call<SavedHost>('hosts.create', sshHost(sshd, [localWeb(target.port)]));
    for (const params of [
      [],
      [host.id],
      [host.id, 'web'],
      [host.id, 'web', null],
      [42, 'web', { openId: 'x' }],
      [host.id, 'x'.repeat(65), { openId: 'x' }],
      [host.id, 'web', { openId: 'x'.repeat(65) }],
    ])
      expect((await s.fail('tunnels.start', ...params)).code).toBe('API_BAD_REQUEST');
    expect((await s.fail('tunnels.start', host.id, 'nope', { openId: 'x' })).code).toBe('TUNNEL_UNKNOWN_FORWARD');
    expect((await s.fail('tunnels.stop', 'no-such-host', 'web')).code).toBe('STORE_UNKNOWN_HOST');
    expect((await s.fail('tunnels.list', 1)).code).toBe('API_BAD_REQUEST');

    const cases: Array<[unknown, string, string]> = [
      [{ ...localWeb(1), bindAddress: '0.0.0.0' }, 'forwards[0].bindAddress', 'EXPOSED_NOT_CONFIRMED'],
      [{ ...localWeb(1), bindAddress: '192.168.1.5' }, 'forwards[0].bindAddress', 'EXPOSED_NOT_CONFIRMED'],
      [{ ...localWeb(1), bindPort: 70000 }, 'forwards[0].bindPort', 'OUT_OF_RANGE'],
      [{ ...localWeb(1), bindPort: -1 }, 'forwards[0].bindPort', 'OUT_OF_RANGE'],
      [{ ...localWeb(1), targetPort: 0 }, 'forwards[0].targetPort', 'OUT_OF_RANGE'],
      [{ ...localWeb(1), targetHost: 'bad host\n' }, 'forwards[0].targetHost', ''],
      [{ ...localWeb(1), targetHost: undefined }, 'forwards[0].targetHost', 'REQUIRED'],
      [{ ...localWeb(1), kind: 'x11' }, 'forwards[0].kind', 'INVALID_CHOICE'],
      [{ ...localWeb(1), id: '../etc' }, 'forwards[0].id', 'INVALID_ID'],
      [{ ...localWeb(1), exposed: 'yes' }, 'forwards[0].exposed', 'WRONG_TYPE'],
      [{ ...localWeb(1), autoStart: 'no' }, 'forwards[0].autoStart', 'WRONG_TYPE'],
      [{ id: 'd', kind: 'dynamic', bindPort: 1080, targetHost: 'x.example' }, 'forwards[0].targetHost', 'NOT_ALLOWED'],
    ];
    for (const [forward, field, code] of cases) {
      const e = await s.fail('hosts.create', sshHost(sshd, [forward]));
      expect(e.code, JSON.stringify(forward)).toBe('STORE_INVALID');
      const errors = (e as { details?: { errors?: Array<{ field: string; code: string; message: string }> } }).details
        ?.errors;
      const hit = errors?.find((x) => x.field === field);
      expect(hit, `${field} in ${JSON.stringify(errors)}`).toBeDefined();
      if (code) expect(hit?.code).toBe(code);
      expect(hit?.message.length).toBeGreaterThan(10);
    }
    const many = Array.from({ length: 65 }, (_, i) => ({ ...localWeb(1), id: `f${i}`, bindPort: 2000 + i }));
    expect((await s.fail('hosts.create', sshHost(sshd, many))).message).toMatch(/at most 64 port forwards/);
    const dup = [localWeb(1), { ...localWeb(2), bindPort: 0 }];
    expect((await s.fail('hosts.create', sshHost(sshd, dup))).message).toMatch(/share the id "web"/);
    const sameBind = [
      { ...localWeb(1), bindPort: 8080 },
      { ...localWeb(2), id: 'b', bindPort: 8080 },
    ];
    expect((await s.fail('hosts.create', sshHost(sshd, sameBind))).message).toMatch(
      /already listens on 127.0.0.1 port 8080/,
    );
    // Confirmed exposure is allowed, and saved as such.
    const exposed = await s.call<SavedHost>(
      'hosts.create',
      sshHost(sshd, [{ ...localWeb(1), bindAddress: '0.0.0.0', exposed: true }], { name: 'exposed' }),
    );
    expect(exposed.forwards?.[0]).toMatchObject({ bindAddress: '0.0.0.0', exposed: true });
    const vnc = {
      name: 'v',
      protocol: 'vnc',
      address: '127.0.0.1',
      port: 5900,
      folder: [],
      tags: [],
      notes: '',
      vnc: { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true },
    };
    expect((await s.fail('hosts.create', { ...vnc, forwards: [] })).message).toMatch(/forwards: .*only to SSH hosts/);
    expect((await s.fail('hosts.create', { ...vnc, forwardAgent: true })).message).toMatch(
      /forwardAgent: .*only to SSH hosts/,
    );
  });
});
