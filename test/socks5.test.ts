// The SOCKS5 server of dynamic forwards against hostile clients: the
// handshake parser fed one byte at a time, truncated, oversized and wrong
// requests with the RFC 1928 §6 reply each must get; then a running -D
// forward on a real sshd that must answer them the same way, close silent
// clients after its handshake time, survive garbage, and keep serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { dynamicCarrier } from '../main/tunnels/dynamic-forward.js';
import { MAX_HANDSHAKE_BYTES, Socks5Handshake, socksReply, type SocksStep } from '../main/tunnels/socks5.js';
import { TunnelManager } from '../main/tunnels/tunnel-manager.js';
import type { SavedHost } from '../shared/model/host.js';
import type { ForwardStatus } from '../shared/tunnels.js';
import {
  connectTo,
  httpOver,
  readBytes,
  socksAddress,
  socksConnect,
  sshdLeaser,
  startHttpTarget,
  type HttpTarget,
} from '../bench/tunnels-rig.js';
import { makeTempDir } from './support/processes.js';
import { startSshd, type Sshd } from './support/sshd.js';

const GREETING = Buffer.from([0x05, 0x01, 0x00]);
const port80 = Buffer.from([0x00, 0x50]);
const request = (cmd: number, addr: Buffer, port = port80): Buffer =>
  Buffer.concat([Buffer.from([0x05, cmd, 0x00]), addr, port]);

function feed(bytes: Buffer, oneByOne: boolean): SocksStep[] {
  const h = new Socks5Handshake();
  if (!oneByOne) return h.push(bytes);
  const steps: SocksStep[] = [];
  for (const b of bytes) steps.push(...h.push(Buffer.from([b])));
  return steps;
}

describe('Socks5Handshake (bytes in, decisions out)', () => {
  for (const oneByOne of [false, true]) {
    const how = oneByOne ? 'one byte at a time' : 'in one chunk';
    it(`reads CONNECT to IPv4, IPv6 and a domain name ${how}, keeping what follows`, () => {
      const cases: Array<[string, string]> = [
        ['10.1.2.3', '10.1.2.3'],
        ['2001:db8::7', '2001:db8:0:0:0:0:0:7'],
        ['intranet.example', 'intranet.example'],
      ];
      for (const [host, expected] of cases) {
        const steps = feed(
          Buffer.concat([GREETING, request(0x01, socksAddress(host)), Buffer.from('GET /')]),
          oneByOne,
        );
        expect(steps[0]).toEqual({ kind: 'reply', reply: Buffer.from([0x05, 0x00]) });
        const last = steps.at(-1) as Extract<SocksStep, { kind: 'connect' }>;
        expect(last).toMatchObject({ kind: 'connect', host: expected, port: 80 });
        // Bytes after the request arrive in the same chunk, or not at all when fed byte by byte before the step.
        if (!oneByOne) expect(last.rest.toString()).toBe('GET /');
      }
    });

    it(`answers what it cannot do with the RFC 1928 reply ${how}`, () => {
      const refusal = (bytes: Buffer): SocksStep | undefined => feed(bytes, oneByOne).find((s) => s.kind === 'refuse');
      // BIND (0x02) and UDP ASSOCIATE (0x03): command not supported.
      expect(refusal(Buffer.concat([GREETING, request(0x02, socksAddress('1.2.3.4'))]))).toMatchObject({
        reply: socksReply(0x07),
      });
      expect(refusal(Buffer.concat([GREETING, request(0x03, socksAddress('1.2.3.4'))]))).toMatchObject({
        reply: socksReply(0x07),
      });
      // Address type 0x05 does not exist: address type not supported.
      expect(
        refusal(Buffer.concat([GREETING, Buffer.from([0x05, 0x01, 0x00, 0x05, 1, 2, 3, 4, 0, 80])])),
      ).toMatchObject({ reply: socksReply(0x08) });
      // Only username/password offered: no acceptable method (0xFF), RFC 1928 §3.
      expect(refusal(Buffer.from([0x05, 0x01, 0x02]))).toMatchObject({ reply: Buffer.from([0x05, 0xff]) });
      expect(refusal(Buffer.from([0x05, 0x00]))).toMatchObject({ reply: Buffer.from([0x05, 0xff]) });
      // SOCKS4, TLS, HTTP: not version 5, closed without a reply it could not read.
      for (const other of [Buffer.from([0x04, 0x01, 0x00, 0x50, 1, 2, 3, 4, 0]), Buffer.from('GET / HTTP/1.1\r\n')])
        expect(refusal(other)).toMatchObject({ reply: null });
      // A request with the wrong version after a good greeting: general failure.
      expect(
        refusal(Buffer.concat([GREETING, Buffer.from([0x04, 0x01, 0x00, 0x01, 1, 2, 3, 4, 0, 80])])),
      ).toMatchObject({ reply: socksReply(0x01) });
      // Empty and hostile domain names never reach the server: host unreachable.
      for (const name of ['', 'a b', 'x\u0000y', 'evil\r\nHost: other', '%s%n'])
        expect(
          refusal(
            Buffer.concat([
              GREETING,
              Buffer.from([0x05, 0x01, 0x00, 0x03, name.length]),
              Buffer.from(name, 'latin1'),
              port80,
            ]),
          ),
        ).toMatchObject({ reply: socksReply(0x04) });
    });
  }

  it('a truncated handshake decides nothing, and after a decision it takes nothing more', () => {
    const full = Buffer.concat([GREETING, request(0x01, socksAddress('example.org'))]);
    for (let cut = 0; cut < full.length; cut++) {
      const steps = new Socks5Handshake().push(full.subarray(0, cut));
      expect(steps.some((s) => s.kind === 'connect' || s.kind === 'refuse')).toBe(false);
    }
    const h = new Socks5Handshake();
    expect(h.push(full).at(-1)?.kind).toBe('connect');
    expect(h.push(full)).toEqual([]);
  });

  it('never needs more than MAX_HANDSHAKE_BYTES to decide, whatever the lengths say', () => {
    const longest = Buffer.concat([
      Buffer.from([0x05, 0xff]),
      Buffer.alloc(255, 0x00),
      Buffer.from([0x05, 0x01, 0x00, 0x03, 0xff]),
      Buffer.alloc(255, 0x61),
      port80,
    ]);
    expect(longest.length).toBe(MAX_HANDSHAKE_BYTES);
    expect(new Socks5Handshake().push(longest).at(-1)).toMatchObject({ kind: 'connect', port: 80 });
    // Random bytes (64 KiB at most: a socket's read) in one push: decided (refused) or waiting, never an exception.
    for (let seed = 1; seed <= 50; seed++) {
      let x = seed;
      const junk = Buffer.alloc(seed % 2 ? 1 << 16 : 64);
      for (let i = 0; i < junk.length; i++) junk[i] = (x = (x * 48271) % 2147483647) & 0xff;
      junk[0] = 0x05;
      if (seed % 5 === 0) junk[1] = 0x01;
      expect(() => new Socks5Handshake().push(junk)).not.toThrow();
    }
  });
});

describe('a running dynamic forward against hostile clients (real sshd)', () => {
  let sshd: Sshd;
  let target: HttpTarget;
  let manager: TunnelManager;
  let port: number;
  const leaser = { current: undefined as ReturnType<typeof sshdLeaser> | undefined };
  const HANDSHAKE_MS = 300;

  beforeAll(async () => {
    sshd = await startSshd();
    target = await startHttpTarget();
    leaser.current = sshdLeaser(sshd, makeTempDir('socks'));
    const host = {
      id: 'h',
      name: 'h',
      protocol: 'ssh',
      forwards: [{ id: 'socks', kind: 'dynamic', bindAddress: '127.0.0.1', bindPort: 0 }],
    } as unknown as SavedHost;
    manager = new TunnelManager({
      hosts: { getHost: () => host, listHosts: () => [host] },
      lease: () => (leaser.current as ReturnType<typeof sshdLeaser>).lease(),
      changed: () => undefined,
      carriers: { dynamic: (spec, hooks) => dynamicCarrier(spec, hooks, HANDSHAKE_MS) },
    });
    const st = await manager.start('h', 'socks', 'o');
    expect(st.state, JSON.stringify(st.error)).toBe('active');
    port = st.listening?.port as number;
  });
  afterAll(async () => {
    await manager.dispose();
    await leaser.current?.pool.closeAll();
    await target.close();
    await sshd.stop();
  });

  const closed = (s: net.Socket): Promise<Buffer> =>
    new Promise((resolve) => {
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.once('close', () => resolve(Buffer.concat(got)));
      s.resume();
    });
  const works = async (): Promise<void> => {
    const s = await connectTo(port);
    expect(await socksConnect(s, '127.0.0.1', target.port)).toBe(0);
    expect(await httpOver(s, '/ok')).toMatch(/hello \/ok$/);
  };

  it('a client that sends its whole handshake and request one byte at a time gets through', async () => {
    const s = await connectTo(port);
    s.setNoDelay(true);
    const p = Buffer.alloc(2);
    p.writeUInt16BE(target.port);
    const all = Buffer.concat([GREETING, request(0x01, socksAddress('127.0.0.1'), p)]);
    for (const b of all) {
      s.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    expect(await readBytes(s, 2)).toEqual(Buffer.from([0x05, 0x00]));
    expect((await readBytes(s, 10))[1]).toBe(0x00);
    expect(await httpOver(s, '/bytewise')).toMatch(/hello \/bytewise$/);
  });

  it('BIND, a bad address type and a wrong version get their reply and a close; the server goes on', async () => {
    const cases: Array<[Buffer, Buffer]> = [
      [Buffer.concat([GREETING, request(0x02, socksAddress('127.0.0.1'))]), socksReply(0x07)],
      [Buffer.concat([GREETING, Buffer.from([0x05, 0x01, 0x00, 0x09, 0, 0])]), socksReply(0x08)],
      [Buffer.from([0x05, 0x01, 0x02]), Buffer.from([0x05, 0xff])],
    ];
    for (const [bytes, reply] of cases) {
      const s = await connectTo(port);
      const done = closed(s);
      s.write(bytes);
      const got = await done;
      expect(got.subarray(got.length - reply.length)).toEqual(reply);
    }
    const s4 = await connectTo(port);
    const done = closed(s4);
    s4.write(Buffer.from([0x04, 0x01, 0x00, 0x50, 127, 0, 0, 1, 0]));
    expect((await done).length).toBe(0);
    await works();
  });

  it('a silent client, a truncated request and a flood of garbage are closed; the forward stays active', async () => {
    const silent = await connectTo(port);
    const half = await connectTo(port);
    half.write(Buffer.concat([GREETING, Buffer.from([0x05, 0x01, 0x00, 0x03, 200, 0x61])]));
    const flood = await connectTo(port);
    flood.on('error', () => undefined);
    const garbage = Buffer.alloc(4 << 20, 0x05);
    flood.write(garbage);
    await Promise.all([closed(silent), closed(half), closed(flood)]);
    const status = manager.list().find((f) => f.forwardId === 'socks') as ForwardStatus;
    expect(status.state).toBe('active');
    expect(status.channels).toBe(0);
    await works();
  });

  it('a client that leaves while its channel opens leaves no channel behind', async () => {
    for (let i = 0; i < 20; i++) {
      const s = await connectTo(port);
      const p = Buffer.alloc(2);
      p.writeUInt16BE(target.port);
      s.end(Buffer.concat([GREETING, request(0x01, socksAddress('127.0.0.1'), p)]));
      s.destroy();
    }
    await expect.poll(() => manager.list().find((f) => f.forwardId === 'socks')?.channels).toBe(0);
    await works();
  });
});
