// The gateway against real sockets: real ws clients, raw TCP sockets that
// speak HTTP and RFC 6455 by hand (badly, on purpose), and real TCP targets.
// Each docs/SECURITY.md "Gateway" promise has a test here that fails if it breaks.
import { afterEach, describe, expect, it, vi } from 'vitest';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { Gateway, type GatewayOptions } from '../main/gateway/gateway.js';
import type { GatewayLink, TargetOpener } from '../main/gateway/target.js';
import { GatewayClose, GatewayCloseReason } from '../shared/gateway-protocol.js';
import { HostdeckError } from '../shared/errors.js';
import { TicketBook } from '../main/gateway/ticket-book.js';
import { isAllowedOrigin, isLoopbackHost, secretMatches } from '../main/gateway/loopback-guard.js';
import {
  freePort,
  patternChunk,
  probeFromOtherLoopback,
  connectLoopback,
  startEchoServer,
  startSourceServer,
  startStalledServer,
  type TcpPeer,
} from './support/net.js';

const ORIGIN = 'http://127.0.0.1:5173';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startGateway(opts: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const gw = await Gateway.start({ allowedOrigins: [ORIGIN], ...opts });
  cleanups.push(() => gw.close());
  return gw;
}

async function peer<T extends TcpPeer>(p: Promise<T>): Promise<T> {
  const v = await p;
  cleanups.push(() => v.close());
  return v;
}

/** An opener that connects to `port` and counts its calls. */
function tcpOpener(port: number): TargetOpener & { calls: number; links: GatewayLink[] } {
  const fn = Object.assign(
    (link: GatewayLink) => {
      fn.calls++;
      fn.links.push(link);
      return connectLoopback(port);
    },
    { calls: 0, links: [] as GatewayLink[] },
  );
  return fn;
}

/** A TCP opener that waits for release() before it connects. */
function gatedOpener(port: number): { opener: TargetOpener; release: () => void; links: GatewayLink[] } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const inner = tcpOpener(port);
  const links: GatewayLink[] = [];
  const opener: TargetOpener = async (link) => {
    links.push(link);
    await gate;
    return inner(link);
  };
  return { opener, release, links };
}

function connectWs(url: string, opts: { origin?: string; perMessageDeflate?: boolean } = {}): WebSocket {
  const ws = new WebSocket(url, { origin: opts.origin ?? ORIGIN, perMessageDeflate: opts.perMessageDeflate ?? false });
  ws.on('error', () => {});
  cleanups.push(() => ws.terminate());
  return ws;
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

/** Collects binary frames until `n` bytes arrived. */
function readBytes(ws: WebSocket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onMessage = (d: Buffer, isBinary: boolean): void => {
      if (!isBinary) return reject(new Error('unexpected text frame'));
      parts.push(d);
      got += d.length;
      if (got >= n) {
        ws.off('message', onMessage);
        resolve(Buffer.concat(parts));
      }
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => reject(new Error(`closed ${code} after ${got} bytes`)));
  });
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

interface UpgradeHeaders {
  path: string;
  host?: string | null;
  origin?: string | null;
  upgrade?: string;
  extra?: string[];
}

function upgradeRequest(port: number, h: UpgradeHeaders): string {
  const lines = [`GET ${h.path} HTTP/1.1`];
  if (h.host !== null) lines.push(`Host: ${h.host ?? `127.0.0.1:${port}`}`);
  lines.push(`Upgrade: ${h.upgrade ?? 'websocket'}`, 'Connection: Upgrade');
  lines.push(`Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13');
  if (h.origin !== null) lines.push(`Origin: ${h.origin ?? ORIGIN}`);
  lines.push(...(h.extra ?? []));
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends `request` raw and returns everything the server sent until it closed. */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    cleanups.push(() => s.destroy());
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.write(request);
  });
}

/** A raw client socket after a successful handshake, parsing server frames. */
class RawClient {
  readonly sock: net.Socket;
  #buf = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  readonly frames: Array<{ opcode: number; payload: Buffer }> = [];
  ended = false;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#parse();
    });
    sock.on('close', () => {
      this.ended = true;
      this.#wake();
    });
    sock.on('error', () => {});
  }

  /** Handshakes with `request`, written one byte at a time when `oneByte`. */
  static async open(port: number, request: string, oneByte = false): Promise<RawClient> {
    const sock = net.connect(port, '127.0.0.1');
    cleanups.push(() => sock.destroy());
    sock.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', reject);
    });
    const c = new RawClient(sock);
    c.#handshaking = true;
    await c.write(Buffer.from(request, 'latin1'), oneByte);
    await c.#until(() => !c.#handshaking || c.ended);
    if (c.#status !== 101) throw new Error(`handshake answered ${c.#status}`);
    return c;
  }

  #handshaking = false;
  #status = 0;

  async write(bytes: Buffer, oneByte = false): Promise<void> {
    if (!oneByte) {
      this.sock.write(bytes);
      return;
    }
    for (const b of bytes) {
      await new Promise<void>((resolve) => this.sock.write(Buffer.of(b), () => resolve()));
      await new Promise((r) => setImmediate(r));
    }
  }

  async nextFrame(): Promise<{ opcode: number; payload: Buffer }> {
    await this.#until(() => this.frames.length > 0 || this.ended);
    const f = this.frames.shift();
    if (f === undefined) throw new Error('socket closed before a frame arrived');
    return f;
  }

  /** The close frame's code, skipping data frames before it. */
  async closeCode(): Promise<number> {
    for (;;) {
      const f = await this.nextFrame();
      if (f.opcode === 0x8) return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
    }
  }

  #until(cond: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (cond()) resolve();
        else this.#waiters.push(check);
      };
      check();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  #parse(): void {
    if (this.#handshaking) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.#status = Number(/^HTTP\/1\.1 (\d{3})/.exec(this.#buf.toString('latin1', 0, end))?.[1] ?? 0);
      this.#buf = this.#buf.subarray(end + 4);
      this.#handshaking = false;
    }
    for (;;) {
      if (this.#buf.length < 2) break;
      const b1 = this.#buf[1] as number;
      let len = b1 & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.#buf.length < 4) break;
        len = this.#buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (this.#buf.length < 10) break;
        len = Number(this.#buf.readBigUInt64BE(2));
        off = 10;
      }
      if (this.#buf.length < off + len) break;
      this.frames.push({
        opcode: (this.#buf[0] as number) & 0x0f,
        payload: Buffer.from(this.#buf.subarray(off, off + len)),
      });
      this.#buf = this.#buf.subarray(off + len);
    }
    this.#wake();
  }
}

/** One client frame built by hand (RFC 6455 §5.2); masked unless told. */
function frame(
  opcode: number,
  payload: Buffer,
  o: { fin?: boolean; mask?: boolean; rsv1?: boolean; claimedLength?: bigint } = {},
): Buffer {
  const mask = o.mask ?? true;
  const len = o.claimedLength ?? BigInt(payload.length);
  const head: number[] = [((o.fin ?? true) ? 0x80 : 0) | (o.rsv1 ? 0x40 : 0) | opcode];
  const m = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126n) head.push(m | Number(len));
  else if (len < 65536n) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(len));
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(len);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), ext, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i & 3] as number);
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

describe('the checks themselves', () => {
  it('isLoopbackHost: exactly 127.0.0.1:<port> or localhost:<port>, in any letter case', () => {
    expect(isLoopbackHost('127.0.0.1:8080', 8080)).toBe(true);
    expect(isLoopbackHost('localhost:8080', 8080)).toBe(true);
    // Host names are case-insensitive (RFC 9110 §4.2.3).
    expect(isLoopbackHost('LocalHost:8080', 8080)).toBe(true);
    const refused = [
      undefined,
      '',
      '127.0.0.1',
      'localhost',
      '127.0.0.1:80',
      '127.0.0.1:80800',
      '127.0.0.1:8080x',
      'x127.0.0.1:8080',
      ' 127.0.0.1:8080',
      '127.0.0.2:8080',
      '0.0.0.0:8080',
      '[::1]:8080',
      'localhost.:8080',
      'evil.localhost:8080',
      'localhost:8080.evil.example',
      '127.0.0.1:8080,evil.example',
    ];
    for (const h of refused) expect(isLoopbackHost(h, 8080), String(h)).toBe(false);
  });

  it('isAllowedOrigin: an exact member of the Set or array; a missing or "null" Origin never, even if listed', () => {
    const req = (origin?: string | string[]): never => ({ headers: origin === undefined ? {} : { origin } }) as never;
    for (const allowed of [new Set([ORIGIN]), [ORIGIN]]) {
      expect(isAllowedOrigin(req(ORIGIN), allowed)).toBe(true);
      for (const o of [
        undefined,
        'null',
        `${ORIGIN}/`,
        ORIGIN.slice(0, -1),
        ORIGIN.toUpperCase(),
        'http://127.0.0.1:51730',
        [ORIGIN, ORIGIN],
      ]) {
        expect(isAllowedOrigin(req(o), allowed), JSON.stringify(o)).toBe(false);
      }
    }
    expect(isAllowedOrigin(req('null'), ['null'])).toBe(false);
    expect(isAllowedOrigin(req('null'), new Set(['null']))).toBe(false);
  });

  it('secretMatches: the whole secret and nothing else, and a wrong length never throws', () => {
    const secret = randomBytes(32).toString('base64url');
    expect(secretMatches(secret, secret)).toBe(true);
    const wrong = [
      null,
      undefined,
      '',
      secret.slice(0, -1),
      `${secret}x`,
      secret.toUpperCase() === secret ? 'x' : secret.toUpperCase(),
      'x'.repeat(secret.length),
      'x'.repeat(100_000),
    ];
    for (const w of wrong) expect(secretMatches(w, secret), String(w).slice(0, 50)).toBe(false);
  });

  it('Gateway.start refuses options that would weaken it: no Origins, "null" among them, a ticket life outside (0, 30 s]', async () => {
    await expect(Gateway.start({ allowedOrigins: [] })).rejects.toThrow(/Origin/);
    await expect(Gateway.start({ allowedOrigins: [ORIGIN, 'null'] })).rejects.toThrow(/null/);
    for (const ttl of [0, -1, 30_001, 60_000, Number.NaN]) {
      await expect(Gateway.start({ allowedOrigins: [ORIGIN], ticketTtlMs: ttl }), String(ttl)).rejects.toThrow(
        new RangeError('ticketTtlMs must be in (0, 30000]'),
      );
    }
    // The bounds themselves: 30 s is allowed, and so is 1 ms.
    for (const ttl of [30_000, 1]) expect((await startGateway({ ticketTtlMs: ttl })).port).toBeGreaterThan(0);
  });
});

describe('listening', () => {
  it('binds 127.0.0.1 only, on an OS-chosen port', async () => {
    const a = await startGateway();
    const b = await startGateway();
    expect(a.port).not.toBe(b.port);
    // 127.0.0.2 is loopback too: it answers only if the gateway bound a wider address.
    expect(await probeFromOtherLoopback(a.port)).toBe('ECONNREFUSED');
  });

  it('issues 256-bit base64url tickets on its own address, all different', async () => {
    const gw = await startGateway();
    const urls = Array.from({ length: 500 }, () => gw.issueTicket(tcpOpener(1)));
    for (const u of urls) expect(u).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${gw.port}/[A-Za-z0-9_-]{43}$`));
    expect(new Set(urls).size).toBe(urls.length);
    expect(gw.stats().liveTickets).toBe(500);
    await expect(Gateway.start({ allowedOrigins: [ORIGIN], ticketTtlMs: 60_000 })).rejects.toThrow(RangeError);
    await expect(Gateway.start({ allowedOrigins: [] })).rejects.toThrow();
  });
});

describe('ticket lifetime', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('an unused ticket is gone after at most 30 s by default', async () => {
    const gw = await startGateway();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    gw.issueTicket(tcpOpener(1));
    expect(gw.stats().liveTickets).toBe(1);
    vi.advanceTimersByTime(30_000);
    expect(gw.stats().liveTickets).toBe(0);
  });

  it("each expiry timer is unref'd, and cleared when its ticket is redeemed or revoked", () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const book = new TicketBook<string>(10_000);
    book.issue('probe');
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    // A pending ticket must never keep the app (or a test run) alive.
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fresh = new TicketBook<string>(10_000);
    const a = fresh.issue('a');
    const b = fresh.issue('b');
    fresh.issue('c');
    expect(vi.getTimerCount()).toBe(3);
    expect(fresh.redeem(a)).toBe('a');
    expect(vi.getTimerCount()).toBe(2);
    expect(fresh.revoke(b)).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    // Wrong lengths and empty strings are just misses.
    expect(fresh.redeem('')).toBeUndefined();
    expect(fresh.redeem('x'.repeat(10_000))).toBeUndefined();
    vi.advanceTimersByTime(10_000);
    expect(fresh.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('refusals before the upgrade (no target is touched)', () => {
  const cases: Array<[string, (port: number, ticketPath: string) => UpgradeHeaders]> = [
    ['missing ticket', () => ({ path: '/' })],
    ['wrong ticket of the right length', () => ({ path: `/${randomBytes(32).toString('base64url')}` })],
    ['too short a ticket', (_p, t) => ({ path: t.slice(0, 10) })],
    ['far too long a ticket', (_p, t) => ({ path: `${t}${'A'.repeat(4000)}` })],
    ['ticket in the query instead of the path', (_p, t) => ({ path: `/?ticket=${t.slice(1)}` })],
    ['missing Origin', (_p, t) => ({ path: t, origin: null })],
    ['Origin "null"', (_p, t) => ({ path: t, origin: 'null' })],
    ['foreign Origin', (_p, t) => ({ path: t, origin: 'https://evil.example' })],
    ['allowed Origin on another port', (_p, t) => ({ path: t, origin: 'http://127.0.0.1:5174' })],
    ['allowed Origin with a trailing slash', (_p, t) => ({ path: t, origin: `${ORIGIN}/` })],
    ['DNS-rebinding Host', (p, t) => ({ path: t, host: `evil.example:${p}` })],
    ['Host on another port', (p, t) => ({ path: t, host: `127.0.0.1:${p + 1}` })],
    ['Host without a port', (_p, t) => ({ path: t, host: '127.0.0.1' })],
    ['Host 0.0.0.0', (p, t) => ({ path: t, host: `0.0.0.0:${p}` })],
  ];

  it.each(cases)('%s → 403 and the opener is never called', async (_name, make) => {
    const echo = await peer(startEchoServer());
    const lines: string[] = [];
    const gw = await startGateway({ log: (l) => lines.push(l) });
    const opener = tcpOpener(echo.port);
    const url = gw.issueTicket(opener);
    const res = await exchange(gw.port, upgradeRequest(gw.port, make(gw.port, pathOf(url))));
    expect(res).toMatch(/^HTTP\/1\.1 403 /);
    expect(opener.calls).toBe(0);
    expect(echo.connections).toBe(0);
    expect(gw.stats().openSessions).toBe(0);
    expect(lines.length).toBe(1);
    // The line says which check failed (CONTRIBUTING.md, Debugging).
    expect(lines[0]).toMatch(/^gateway: refused an upgrade \((host|origin|ticket) check failed\)$/);
    for (const l of [...lines, res]) expect(l).not.toContain(pathOf(url).slice(1));
  });

  it('a refused Host or Origin does not burn the ticket; the right request then works once', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const opener = tcpOpener(echo.port);
    const url = gw.issueTicket(opener);
    expect(
      await exchange(gw.port, upgradeRequest(gw.port, { path: pathOf(url), origin: 'https://evil.example' })),
    ).toMatch(/^HTTP\/1\.1 403 /);
    expect(
      await exchange(gw.port, upgradeRequest(gw.port, { path: pathOf(url), host: `evil.example:${gw.port}` })),
    ).toMatch(/^HTTP\/1\.1 403 /);
    const ws = connectWs(url);
    await opened(ws);
    expect(opener.calls).toBe(1);
    // Used: the same ticket again is refused and makes no second connection.
    const again = await exchange(gw.port, upgradeRequest(gw.port, { path: pathOf(url) }));
    expect(again).toMatch(/^HTTP\/1\.1 403 /);
    expect(opener.calls).toBe(1);
    await expect.poll(() => echo.connections).toBe(1);
    expect(gw.stats().refused).toEqual({ host: 1, origin: 1, ticket: 1 });
    expect(gw.stats().totalSessions).toBe(1);
  });

  it('localhost:<port> is an accepted Host, in any letter case', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    for (const host of [`localhost:${gw.port}`, `LOCALHOST:${gw.port}`]) {
      const url = gw.issueTicket(tcpOpener(echo.port));
      const c = await RawClient.open(gw.port, upgradeRequest(gw.port, { path: pathOf(url), host }));
      expect(c.ended, host).toBe(false);
    }
  });

  it('an HTTP/1.0 upgrade with no Host at all → 403, and the gateway carries on', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const opener = tcpOpener(echo.port);
    const url = gw.issueTicket(opener);
    const request = upgradeRequest(gw.port, { path: pathOf(url), host: null }).replace(
      ' HTTP/1.1\r\n',
      ' HTTP/1.0\r\n',
    );
    expect(await exchange(gw.port, request)).toMatch(/^HTTP\/1\.1 403 /);
    expect(opener.calls).toBe(0);
    expect(gw.stats().refused).toEqual({ host: 1, origin: 0, ticket: 0 });
    await opened(connectWs(url));
    expect(opener.calls).toBe(1);
  });

  it('an expired ticket → 403, with no connection', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway({ ticketTtlMs: 50 });
    const opener = tcpOpener(echo.port);
    const url = gw.issueTicket(opener);
    await expect.poll(() => gw.stats().liveTickets, { timeout: 5000 }).toBe(0);
    expect(await exchange(gw.port, upgradeRequest(gw.port, { path: pathOf(url) }))).toMatch(/^HTTP\/1\.1 403 /);
    expect(opener.calls).toBe(0);
    expect(echo.connections).toBe(0);
  });

  it('a revoked ticket → 403', async () => {
    const gw = await startGateway();
    const opener = tcpOpener(1);
    const url = gw.issueTicket(opener);
    expect(gw.revokeTicket(url)).toBe(true);
    expect(gw.revokeTicket(url)).toBe(false);
    expect(await exchange(gw.port, upgradeRequest(gw.port, { path: pathOf(url) }))).toMatch(/^HTTP\/1\.1 403 /);
    expect(opener.calls).toBe(0);
    // The bare ticket revokes too.
    const bare = pathOf(gw.issueTicket(opener)).slice(1);
    expect(gw.stats().liveTickets).toBe(1);
    expect(gw.revokeTicket(bare)).toBe(true);
    expect(gw.stats().liveTickets).toBe(0);
  });

  it('two simultaneous redemptions of one ticket: exactly one wins', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const opener = tcpOpener(echo.port);
    const url = gw.issueTicket(opener);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => opened(connectWs(url))));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
    expect(opener.calls).toBe(1);
  });

  it('never logs or prints a ticket, whatever fails', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));
    const lines: string[] = [];
    const gw = await startGateway({ log: (l) => lines.push(l) });
    const tickets: string[] = [];
    const issue = (o: TargetOpener): string => {
      const u = gw.issueTicket(o);
      tickets.push(pathOf(u).slice(1));
      return u;
    };
    // An opener whose error message holds its own URL must not leak it to the page.
    let selfUrl = '';
    selfUrl = issue(async () => {
      throw new HostdeckError('VNC_AUTH_FAILED', `failed for ${selfUrl}`);
    });
    const ws = connectWs(selfUrl);
    const c = await closed(ws);
    expect(c).toEqual({ code: GatewayClose.TARGET_OPEN_FAILED, reason: 'VNC_AUTH_FAILED' });
    const url = issue(tcpOpener(1));
    await exchange(gw.port, upgradeRequest(gw.port, { path: pathOf(url), origin: 'null' }));
    await exchange(gw.port, upgradeRequest(gw.port, { path: pathOf(url), host: 'x:1' }));
    await exchange(gw.port, upgradeRequest(gw.port, { path: `${pathOf(url)}x` }));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const printed = spies.flatMap((s) => s.mock.calls.map((a) => a.map(String).join(' ')));
    for (const t of tickets) for (const l of [...lines, ...printed, c.reason]) expect(l).not.toContain(t);
    for (const s of spies) s.mockRestore();
  });
});

describe('not an upgrade', () => {
  it('plain GET (even of a live ticket), POST and a non-WebSocket upgrade → 404 with an empty body', async () => {
    const gw = await startGateway();
    const opener = tcpOpener(1);
    const url = gw.issueTicket(opener);
    const reqs = [
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nConnection: close\r\n\r\n`,
      `GET ${pathOf(url)} HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nOrigin: ${ORIGIN}\r\nConnection: close\r\n\r\n`,
      `GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nConnection: close\r\n\r\n`,
      `POST /x HTTP/1.1\r\nHost: 127.0.0.1:${gw.port}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`,
      upgradeRequest(gw.port, { path: pathOf(url), upgrade: 'h2c' }),
    ];
    for (const r of reqs) {
      const res = await exchange(gw.port, r);
      expect(res).toMatch(/^HTTP\/1\.1 404 /);
      const [head, body] = res.split('\r\n\r\n');
      expect(head).toMatch(/content-length: 0/i);
      expect(body).toBe('');
    }
    expect(opener.calls).toBe(0);
    // Still live: a GET is not a redemption.
    expect(gw.stats().liveTickets).toBe(1);
    expect(gw.stats().notFound).toBe(reqs.length);
  });
});

describe('a refused upgrade whose client resets', () => {
  it('a reset while the 404 is written is a socket error the gateway absorbs; it keeps serving', async () => {
    const gw = await startGateway();
    const opener = tcpOpener(1);
    const url = gw.issueTicket(opener);
    const request = upgradeRequest(gw.port, { path: pathOf(url), upgrade: 'h2c' });
    // The 404 is written into a socket whose peer has already sent RST: the
    // write fails with EPIPE or ECONNRESET, emitted as 'error' on a socket
    // that http.Server handed over to the upgrade listener.
    for (let i = 0; i < 40; i++) {
      await new Promise<void>((resolve) => {
        const s = net.connect(gw.port, '127.0.0.1', () => {
          s.write(request.repeat(1 + (i % 3)));
          s.resetAndDestroy();
        });
        s.on('error', () => undefined);
        s.on('close', () => resolve());
      });
    }
    await new Promise((r) => setTimeout(r, 50));
    const res = await exchange(gw.port, request);
    expect(res).toMatch(/^HTTP\/1\.1 404 /);
    expect(opener.calls).toBe(0);
  });
});

describe('the URL cannot change the target', () => {
  it('extra path segments and a query are ignored; a second ticket in the path is not redeemed', async () => {
    const echo = await peer(startEchoServer());
    const other = await peer(startEchoServer());
    const gw = await startGateway();
    const a = gw.issueTicket(tcpOpener(echo.port));
    const bOpener = tcpOpener(other.port);
    const b = gw.issueTicket(bOpener);
    const ws = connectWs(
      `${a}/${pathOf(b).slice(1)}/../x?host=127.0.0.1&port=${other.port}&ticket=${pathOf(b).slice(1)}`,
    );
    await opened(ws);
    ws.send(Buffer.from('ping'));
    expect((await readBytes(ws, 4)).toString()).toBe('ping');
    expect(echo.connections).toBe(1);
    expect(other.connections).toBe(0);
    expect(bOpener.calls).toBe(0);
    expect(gw.stats().liveTickets).toBe(1);
  });
});

describe('bytes', () => {
  it('carries binary frames both ways intact, without permessage-deflate even when offered', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const ws = connectWs(gw.issueTicket(tcpOpener(echo.port)), { perMessageDeflate: true });
    await opened(ws);
    expect(ws.extensions).toBe('');
    const data = randomBytes(3 * 1024 * 1024 + 17);
    for (let off = 0; off < data.length; off += 200_000) ws.send(data.subarray(off, off + 200_000));
    const got = await readBytes(ws, data.length);
    expect(got.equals(data)).toBe(true);
    const s = gw.stats();
    expect(s.bytesFromPage).toBe(data.length);
    expect(s.bytesToPage).toBe(data.length);
    expect(s.openSessions).toBe(1);
    expect(s.sessions[0]?.bytesToPage).toBe(data.length);
  });

  it('streams a large source to the page in order and closes with 4003 "target closed"', async () => {
    const total = 16 * 1024 * 1024 + 5;
    const src = await peer(startSourceServer(total));
    const gw = await startGateway();
    const ws = connectWs(gw.issueTicket(tcpOpener(src.port)));
    const done = closed(ws);
    let got = 0;
    let ok = true;
    ws.on('message', (d: Buffer, isBinary) => {
      if (!isBinary) ok = false;
      for (let i = 0; i < d.length; i += 4093) if (d[i] !== ((got + i) & 0xff)) ok = false;
      got += d.length;
    });
    expect(await done).toEqual({ code: GatewayClose.TARGET_CLOSED, reason: GatewayCloseReason.TARGET_CLOSED });
    expect(got).toBe(total);
    expect(ok).toBe(true);
    await expect.poll(() => gw.stats().openSessions).toBe(0);
  });

  it('bytes the page sends before the target is open (even inside the upgrade request) arrive in order after it opens', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const gated = gatedOpener(echo.port);
    const url = gw.issueTicket(gated.opener);
    const early = Array.from({ length: 50 }, (_, i) => Buffer.from([i]));
    // The first frames travel in the same write as the HTTP request (ws's "head").
    const c = await RawClient.open(
      gw.port,
      upgradeRequest(gw.port, { path: pathOf(url) }) +
        Buffer.concat(early.slice(0, 20).map((b) => frame(0x2, b))).toString('latin1'),
    );
    for (const b of early.slice(20)) c.sock.write(frame(0x2, b));
    await expect.poll(() => gw.stats().openSessions).toBe(1);
    expect(echo.connections).toBe(0);
    expect(gw.stats().bytesFromPage).toBe(0);
    gated.release();
    let got = Buffer.alloc(0);
    while (got.length < early.length) got = Buffer.concat([got, (await c.nextFrame()).payload]);
    expect(got.equals(Buffer.concat(early))).toBe(true);
  });
});

describe('control text frames', () => {
  it('without receiveControl a text frame closes with 1003 and the target is destroyed', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const ws = connectWs(gw.issueTicket(tcpOpener(echo.port)));
    await opened(ws);
    await expect.poll(() => echo.sockets.size).toBe(1);
    ws.send('{"resize":[80,24]}');
    expect(await closed(ws)).toEqual({
      code: GatewayClose.UNSUPPORTED_DATA,
      reason: GatewayCloseReason.TEXT_NOT_ACCEPTED,
    });
    await expect.poll(() => echo.sockets.size).toBe(0);
  });

  it('text frames reach receiveControl (split UTF-8 included); sendControl keeps order with bytes and precedes the close', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const controls: string[] = [];
    const inner = tcpOpener(echo.port);
    let link!: GatewayLink;
    let sock!: net.Socket;
    const ws = connectWs(
      gw.issueTicket(async (l) => {
        link = l;
        sock = (await inner(l)) as net.Socket;
        return { stream: sock, receiveControl: (t) => controls.push(t) };
      }),
    );
    await opened(ws);
    // "é€" sent as one message in two fragments that split a UTF-8 sequence.
    const text = Buffer.from('{"t":"é€"}');
    ws.send(text.subarray(0, 8), { binary: false, fin: false });
    ws.send(text.subarray(8), { binary: false, fin: true });
    await expect.poll(() => controls).toEqual(['{"t":"é€"}']);
    const seen: string[] = [];
    ws.on('message', (d: Buffer, isBinary) => seen.push(isBinary ? `b:${d.toString()}` : `t:${d.toString()}`));
    ws.send(Buffer.from('one'));
    await expect.poll(() => seen.join('')).toBe('b:one');
    link.sendControl({ exit: 0 });
    ws.send(Buffer.from('two'));
    await expect.poll(() => seen.length).toBe(3);
    const c = closed(ws);
    link.sendControl({ bye: true });
    sock.end();
    expect(await c).toEqual({ code: GatewayClose.TARGET_CLOSED, reason: GatewayCloseReason.TARGET_CLOSED });
    expect(seen).toEqual(['b:one', 't:{"exit":0}', 'b:two', 't:{"bye":true}']);
  });

  it('a throwing receiveControl closes with 1011', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const inner = tcpOpener(echo.port);
    const ws = connectWs(
      gw.issueTicket(async (l) => ({
        stream: (await inner(l)) as net.Socket,
        receiveControl: () => {
          throw new Error('bad control');
        },
      })),
    );
    await opened(ws);
    ws.send('x');
    expect((await closed(ws)).code).toBe(GatewayClose.INTERNAL);
  });
});

describe('closing one side closes the other', () => {
  it('ECONNREFUSED → 4001 "target refused the connection"', async () => {
    const port = await freePort();
    const gw = await startGateway();
    const ws = connectWs(gw.issueTicket(tcpOpener(port)));
    expect(await closed(ws)).toEqual({ code: GatewayClose.TARGET_REFUSED, reason: GatewayCloseReason.TARGET_REFUSED });
    await expect.poll(() => gw.stats().openSessions).toBe(0);
  });

  it('an opener that throws synchronously, or rejects with an odd code, closes with 4005 and a generic reason', async () => {
    const gw = await startGateway();
    const a = connectWs(
      gw.issueTicket(() => {
        throw new Error('boom');
      }),
    );
    expect(await closed(a)).toEqual({
      code: GatewayClose.TARGET_OPEN_FAILED,
      reason: GatewayCloseReason.TARGET_OPEN_FAILED,
    });
    const b = connectWs(
      gw.issueTicket(async () => {
        throw Object.assign(new Error('x'), { code: 'lower case and long '.repeat(20) });
      }),
    );
    expect(await closed(b)).toEqual({
      code: GatewayClose.TARGET_OPEN_FAILED,
      reason: GatewayCloseReason.TARGET_OPEN_FAILED,
    });
    const c = connectWs(
      gw.issueTicket(async () => {
        throw Object.assign(new Error('x'), { code: 'ETIMEDOUT' });
      }),
    );
    expect(await closed(c)).toEqual({ code: GatewayClose.TARGET_UNREACHABLE, reason: 'target unreachable: ETIMEDOUT' });
    // Rejecting with nothing at all (no error object to read a code from)
    // must close that socket too, not throw in main.
    for (const nothing of [undefined, null]) {
      const d = connectWs(gw.issueTicket(() => Promise.reject(nothing)));
      expect(await closed(d)).toEqual({
        code: GatewayClose.TARGET_OPEN_FAILED,
        reason: GatewayCloseReason.TARGET_OPEN_FAILED,
      });
    }
  });

  it('a target reset → 4004 "target error: ECONNRESET"', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const ws = connectWs(gw.issueTicket(tcpOpener(echo.port)));
    await opened(ws);
    await expect.poll(() => echo.sockets.size).toBe(1);
    const c = closed(ws);
    for (const s of echo.sockets) s.resetAndDestroy();
    expect(await c).toEqual({ code: GatewayClose.TARGET_ERROR, reason: 'target error: ECONNRESET' });
  });

  it('the page closing (cleanly or abruptly) destroys the target and aborts the link', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const opener = tcpOpener(echo.port);
    const a = connectWs(gw.issueTicket(opener));
    await opened(a);
    const b = connectWs(gw.issueTicket(opener));
    await opened(b);
    await expect.poll(() => echo.sockets.size).toBe(2);
    expect(gw.stats().openSessions).toBe(2);
    a.close(1000);
    await expect.poll(() => echo.sockets.size).toBe(1);
    b.terminate();
    await expect.poll(() => echo.sockets.size).toBe(0);
    expect(opener.links.map((l) => l.signal.aborted)).toEqual([true, true]);
    await expect.poll(() => gw.stats().openSessions).toBe(0);
  });

  it('a page gone before the opener answers: the late target is destroyed', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const gated = gatedOpener(echo.port);
    const ws = connectWs(gw.issueTicket(gated.opener));
    await opened(ws);
    ws.terminate();
    await expect.poll(() => gated.links[0]?.signal.aborted).toBe(true);
    gated.release();
    await expect.poll(() => echo.connections).toBe(1);
    await expect.poll(() => echo.sockets.size).toBe(0);
  });

  it('close() ends every session with 1001 and stops listening', async () => {
    const echo = await peer(startEchoServer());
    const gw = await Gateway.start({ allowedOrigins: [ORIGIN] });
    const ws = connectWs(gw.issueTicket(tcpOpener(echo.port)));
    await opened(ws);
    gw.issueTicket(tcpOpener(echo.port));
    expect(gw.stats().liveTickets).toBe(1);
    const c = closed(ws);
    await gw.close();
    // Unredeemed tickets die with it.
    expect(gw.stats().liveTickets).toBe(0);
    expect(await c).toEqual({ code: GatewayClose.GOING_AWAY, reason: GatewayCloseReason.SHUTTING_DOWN });
    await expect.poll(() => echo.sockets.size).toBe(0);
    expect(() => gw.issueTicket(tcpOpener(1))).toThrow(/closed/);
  });
});

describe('backpressure and the memory ceiling', () => {
  it('a page that never reads pauses the target; the gateway holds at most its high-water mark, and nothing is lost', async () => {
    const HWM = 256 * 1024;
    // A flood source that writes until the kernel pushes back.
    let written = 0;
    let blocked = false;
    let resumeFlood: () => void = () => {};
    const chunk = patternChunk(64 * 1024);
    const src = await peer(
      new Promise<TcpPeer>((resolve) => {
        const sockets = new Set<net.Socket>();
        const srv = net.createServer((s) => {
          sockets.add(s);
          s.on('error', () => {});
          const pump = (): void => {
            blocked = false;
            while (s.write(chunk)) written += chunk.length;
            written += chunk.length;
            blocked = true;
            resumeFlood = pump;
            s.once('drain', pump);
          };
          pump();
        });
        srv.listen(0, '127.0.0.1', () =>
          resolve({
            host: '127.0.0.1',
            port: (srv.address() as net.AddressInfo).port,
            connections: 0,
            sockets,
            close: () =>
              new Promise<void>((r) => {
                for (const s of sockets) s.destroy();
                srv.close(() => r());
              }),
          }),
        );
      }),
    );
    const gw = await startGateway({ pageHighWaterMark: HWM });
    const c = await RawClient.open(
      gw.port,
      upgradeRequest(gw.port, { path: pathOf(gw.issueTicket(tcpOpener(src.port))) }),
    );
    c.sock.pause();
    // Wait for the real condition: the target paused and the flood stuck.
    await expect.poll(() => gw.stats().sessions[0]?.targetPaused === true && blocked, { timeout: 20_000 }).toBe(true);
    const s = gw.stats().sessions[0];
    expect(s?.bufferedToPage).toBeLessThanOrEqual(HWM + 64 * 1024);
    // Without backpressure the gateway would read on and the flood would never
    // block: the poll above would time out, and bufferedToPage would grow.
    const writtenBefore = written;
    // Whatever went into the gateway got out of it, in order, once the page reads.
    c.sock.resume();
    resumeFlood();
    let received = 0;
    let ok = true;
    await expect
      .poll(
        () => {
          while (c.frames.length > 0) {
            const f = c.frames.shift() as { opcode: number; payload: Buffer };
            if (f.opcode !== 0x2) ok = false;
            for (let i = 0; i < f.payload.length; i += 1021) if (f.payload[i] !== ((received + i) & 0xff)) ok = false;
            received += f.payload.length;
          }
          return received > writtenBefore;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(ok).toBe(true);
  });

  it('a target that never reads pauses the page socket; the gateway stops taking its frames', async () => {
    const stalled = await peer(startStalledServer());
    let got = 0;
    const gw = await startGateway();
    const ws = connectWs(gw.issueTicket(tcpOpener(stalled.port)));
    await opened(ws);
    const frameBytes = 256 * 1024;
    const total = 96 * 1024 * 1024;
    const payload = Buffer.alloc(frameBytes, 7);
    for (let sent = 0; sent < total; sent += frameBytes) ws.send(payload);
    await expect.poll(() => gw.stats().sessions[0]?.pagePaused, { timeout: 20_000 }).toBe(true);
    // Kernel buffers on both hops hold some MB; the rest must wait in the page.
    await expect.poll(() => ws.bufferedAmount, { timeout: 20_000 }).toBeGreaterThan(total / 2);
    expect(gw.stats().bytesFromPage).toBeLessThan(total / 2);
    for (const s of stalled.sockets) {
      s.on('data', (d) => (got += d.length));
      s.resume();
    }
    await expect.poll(() => got, { timeout: 30_000 }).toBe(total);
    expect(gw.stats().sessions[0]?.pagePaused).toBe(false);
  });

  it('a target gone while the page is paused: the page is read again for its close reply, and the session ends', async () => {
    const stalled = await peer(startStalledServer());
    const gw = await startGateway();
    const ws = connectWs(gw.issueTicket(tcpOpener(stalled.port)));
    ws.on('error', () => {});
    await opened(ws);
    const payload = Buffer.alloc(256 * 1024, 7);
    for (let sent = 0; sent < 64 * 1024 * 1024; sent += payload.length) ws.send(payload);
    await expect.poll(() => gw.stats().sessions[0]?.pagePaused, { timeout: 20_000 }).toBe(true);
    const c = closed(ws);
    for (const s of stalled.sockets) s.destroy();
    // Left paused, the gateway would never read the page's close frame and
    // would hold the session until ws's 30 s close timer.
    await expect.poll(() => gw.stats().openSessions, { timeout: 10_000 }).toBe(0);
    expect([GatewayClose.TARGET_CLOSED, GatewayClose.TARGET_ERROR]).toContain((await c).code);
  });
});

describe('hostile WebSocket input closes that one socket', () => {
  const cases: Array<[string, number, (maxPayload: number) => Buffer[]]> = [
    ['a reserved opcode', 1002, () => [frame(0x3, Buffer.from('x'))]],
    ['a reserved control opcode', 1002, () => [frame(0xb, Buffer.from('x'))]],
    ['an unmasked frame', 1002, () => [frame(0x2, Buffer.from('abc'), { mask: false })]],
    ['RSV1 without an extension', 1002, () => [frame(0x2, Buffer.from('abc'), { rsv1: true })]],
    ['a fragmented ping', 1002, () => [frame(0x9, Buffer.from('p'), { fin: false })]],
    ['a control frame over 125 bytes', 1002, () => [frame(0x9, Buffer.alloc(126))]],
    ['a continuation with nothing to continue', 1002, () => [frame(0x0, Buffer.from('x'))]],
    [
      'a new message inside a fragmented one',
      1002,
      () => [frame(0x2, Buffer.from('a'), { fin: false }), frame(0x2, Buffer.from('b'))],
    ],
    ['invalid UTF-8 in a text frame', 1007, () => [frame(0x1, Buffer.from([0xc3, 0x28]))]],
    ['a frame claiming 2^62 bytes', 1009, () => [frame(0x2, Buffer.alloc(0), { claimedLength: 1n << 62n })]],
    ['a frame one byte over maxPayload', 1009, (max) => [frame(0x2, Buffer.alloc(max + 1))]],
    [
      'endless fragments',
      1009,
      (max) => [
        frame(0x2, Buffer.alloc(1000), { fin: false }),
        ...Array.from({ length: Math.ceil(max / 1000) + 1 }, () => frame(0x0, Buffer.alloc(1000), { fin: false })),
      ],
    ],
  ];

  it.each(cases)('%s → close %i; the target is destroyed; other sessions carry on', async (_name, code, build) => {
    const maxPayload = 64 * 1024;
    const echo = await peer(startEchoServer());
    const gw = await startGateway({ maxPayload });
    const good = connectWs(gw.issueTicket(tcpOpener(echo.port)));
    await opened(good);
    const bad = await RawClient.open(
      gw.port,
      upgradeRequest(gw.port, { path: pathOf(gw.issueTicket(tcpOpener(echo.port))) }),
    );
    await expect.poll(() => echo.sockets.size).toBe(2);
    for (const f of build(maxPayload)) bad.sock.write(f);
    expect(await bad.closeCode()).toBe(code);
    await expect.poll(() => echo.sockets.size).toBe(1);
    await expect.poll(() => gw.stats().openSessions).toBe(1);
    good.send(Buffer.from('still here'));
    expect((await readBytes(good, 10)).toString()).toBe('still here');
  });

  it('a maxPayload-sized message passes', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway({ maxPayload: 64 * 1024 });
    const c = await RawClient.open(
      gw.port,
      upgradeRequest(gw.port, { path: pathOf(gw.issueTicket(tcpOpener(echo.port))) }),
    );
    const data = randomBytes(64 * 1024);
    c.sock.write(frame(0x2, data.subarray(0, 1000), { fin: false }));
    c.sock.write(frame(0x0, data.subarray(1000)));
    let got = Buffer.alloc(0);
    while (got.length < data.length) got = Buffer.concat([got, (await c.nextFrame()).payload]);
    expect(got.equals(data)).toBe(true);
  });
});

describe('bytes delivered badly', () => {
  it('an upgrade request and frames written one byte at a time still work', async () => {
    const echo = await peer(startEchoServer());
    const gw = await startGateway();
    const url = gw.issueTicket(tcpOpener(echo.port));
    const c = await RawClient.open(gw.port, upgradeRequest(gw.port, { path: pathOf(url) }), true);
    const payload = Buffer.from('hello, one byte at a time: é€ 𝄞');
    await c.write(
      Buffer.concat([
        frame(0x2, payload.subarray(0, 5), { fin: false }),
        frame(0x0, payload.subarray(5)),
        frame(0x9, Buffer.from('pp')),
      ]),
      true,
    );
    const frames: Array<{ opcode: number; payload: Buffer }> = [];
    let echoed = Buffer.alloc(0);
    while (echoed.length < payload.length || !frames.some((f) => f.opcode === 0xa)) {
      const f = await c.nextFrame();
      frames.push(f);
      if (f.opcode === 0x2) echoed = Buffer.concat([echoed, f.payload]);
    }
    expect(echoed.equals(payload)).toBe(true);
    expect(frames.some((f) => f.opcode === 0xa && f.payload.toString() === 'pp')).toBe(true);
  });
});
