// Serve mode's front door: the page and the API reachable by the app's own
// page only. Real sockets, a real Chromium for the cross-site case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import WebSocket from 'ws';
import type { Browser } from 'playwright-core';
import { ApiDispatcher, noParams } from '../main/api/dispatcher.js';
import { ServeServer } from '../main/serve/serve-server.js';
import type { AppInfo } from '../shared/api/contract.js';
import { startChromium } from './support/chromium.js';
import { probeFromOtherLoopback } from './support/net.js';
import { contentSecurityPolicy } from '../shared/csp.js';

const info: AppInfo = {
  name: 'Hostdeck',
  version: 'test',
  mode: 'serve',
  platform: 'linux',
  native: { sshCrypto: true, bufferutil: true },
  gatewayPort: 1,
  tls: { anonymous: true },
};

let server: ServeServer;
let dispatcher: ApiDispatcher;
let root: string;
let browser: Browser | undefined;
let foreign: Server;

function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Attempts an API upgrade; resolves with the HTTP status of a refusal, or 101. */
function upgrade(opts: { token?: string | null; origin?: string | null; host?: string }): Promise<number> {
  return new Promise((resolve) => {
    const token = opts.token === undefined ? server.token : opts.token;
    const path = token === null ? '/api' : `/api?token=${encodeURIComponent(token)}`;
    const headers: Record<string, string> = { Host: opts.host ?? `127.0.0.1:${server.port}` };
    const origin = opts.origin === undefined ? `http://127.0.0.1:${server.port}` : opts.origin;
    if (origin !== null) headers['Origin'] = origin;
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers, perMessageDeflate: false });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', () => undefined);
  });
}

/** Opens an API socket; `listen` gets its messages from the first (main may send some as soon as it is open). */
function openApi(query = '', listen?: (message: unknown) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}${query}`, {
      headers: { Origin: `http://127.0.0.1:${server.port}` },
    });
    if (listen) ws.on('message', (d) => listen(JSON.parse(d.toString())));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'hostdeck-static-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><title>Hostdeck</title><script type="module" src="/assets/app.js"></script>',
  );
  writeFileSync(join(root, 'assets', 'app.js'), 'window.appLoaded = true;');
  writeFileSync(join(tmpdir(), 'hostdeck-outside.txt'), 'secret outside the root');
  symlinkSync(join(tmpdir(), 'hostdeck-outside.txt'), join(root, 'escape.txt'));
  dispatcher = new ApiDispatcher({ 'app.info': () => info }, { 'app.info': noParams });
  server = await ServeServer.start({ staticDir: root, dispatcher, connectSources: () => ['ws://127.0.0.1:1'] });
  // A foreign page on another loopback port: what a web page the person
  // visits could do from the same machine.
  foreign = createServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'),
  );
  await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', () => r()));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise<void>((r) => foreign.close(() => r()));
});

describe('serve mode HTTP', () => {
  it('serves the page with a strict CSP and listens on loopback only', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Hostdeck</title>');
    // Exactly the policy, so an extra source (an added connect-src origin) fails.
    const own = [`ws://127.0.0.1:${server.port}`, `ws://localhost:${server.port}`];
    expect(res.headers['content-security-policy']).toBe(contentSecurityPolicy(["'self'", ...own, 'ws://127.0.0.1:1']));
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#token=[A-Za-z0-9_-]{43}$`));
    // 127.0.0.2 answers only if the server bound a wider address than 127.0.0.1.
    expect(await probeFromOtherLoopback(server.port)).toBe('ECONNREFUSED');
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get('/', { Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await get('/', { Host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
  });

  it('never leaves the root: traversal, encoded traversal, symlinks, odd methods', async () => {
    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2fetc%2fpasswd',
      '/escape.txt',
      '/assets/',
      '/nope.js',
      '/%00',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toBe('');
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS'])
      expect((await get('/index.html', {}, method)).status, method).toBe(404);
    expect((await get('/assets/app.js')).status).toBe(200);
  });

  it('HEAD answers like GET, without the body', async () => {
    const head = await get('/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(head.headers['content-security-policy']).toBe((await get('/')).headers['content-security-policy']);
  });

  it('a path that leaves the root is refused even where a symlink out there leads back in', async () => {
    // <tmp>/hostdeck-beside-*/back.html -> <root>/index.html: the file is ours, the path is not.
    const beside = mkdtempSync(join(tmpdir(), 'hostdeck-beside-'));
    symlinkSync(join(root, 'index.html'), join(beside, 'back.html'));
    const res = await get(`/..%2f${basename(beside)}%2fback.html`);
    expect(res.status).toBe(404);
    expect(res.body).toBe('');
  });
});

describe('serve mode API socket', () => {
  it('cancels the opens of a page that goes away', async () => {
    const cancelled: string[] = [];
    let started = false;
    let release: () => void = () => undefined;
    const d = new ApiDispatcher(
      {
        'sessions.open': () => {
          started = true;
          return new Promise(
            (resolve) => (release = () => resolve({ sessionId: 's', kind: 'ssh', url: 'ws://x', title: 't' })),
          );
        },
        'sessions.cancel': (openId: string) => {
          cancelled.push(openId);
          release();
          return null;
        },
      },
      {
        'sessions.open': (p) => [String(p[0]), p[1] as { openId: string; cols: number; rows: number }],
        'sessions.cancel': (p) => [String(p[0])],
      },
    );
    const s = await ServeServer.start({ staticDir: root, dispatcher: d });
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api?token=${s.token}`, {
      headers: { Origin: `http://127.0.0.1:${s.port}` },
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ id: 1, method: 'sessions.open', params: ['h', { openId: 'tab-7', cols: 80, rows: 24 }] }));
    await expect.poll(() => started).toBe(true);
    ws.close();
    await expect.poll(() => cancelled).toEqual(['tab-7']);
    await s.close();
  });

  it('refuses before the upgrade: no, wrong or short token; missing, null or foreign Origin; foreign Host', async () => {
    expect(await upgrade({ token: null })).toBe(403);
    expect(await upgrade({ token: 'x' })).toBe(403);
    expect(
      await upgrade({
        token: `${server.token.slice(0, -1)}A` === server.token ? 'B' : `${server.token.slice(0, -1)}A`,
      }),
    ).toBe(403);
    expect(await upgrade({ token: `${server.token}x` })).toBe(403);
    expect(await upgrade({ origin: null })).toBe(403);
    expect(await upgrade({ origin: 'null' })).toBe(403);
    expect(await upgrade({ origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade({ origin: `http://127.0.0.1:${server.port + 1}` })).toBe(403);
    expect(await upgrade({ host: `evil.example:${server.port}` })).toBe(403);
    expect(await upgrade({ origin: `http://localhost:${server.port}`, host: `localhost:${server.port}` })).toBe(101);
    // Host names are case-insensitive (RFC 9110), as the gateway treats them.
    expect(await upgrade({ host: `LOCALHOST:${server.port}` })).toBe(101);
    expect(await upgrade({})).toBe(101);
  });

  it('answers calls, and answers bad calls with {code, message} without closing', async () => {
    const ws = await openApi();
    ws.send(JSON.stringify({ id: 1, method: 'app.info', params: [] }));
    expect(await nextMessage(ws)).toEqual({ id: 1, ok: true, result: info });
    ws.send(JSON.stringify({ id: 2, method: 'no.such', params: [] }));
    expect(await nextMessage(ws)).toMatchObject({ id: 2, ok: false, error: { code: 'API_UNKNOWN_METHOD' } });
    ws.send(JSON.stringify({ id: 3, method: 'app.info', params: ['extra'] }));
    expect(await nextMessage(ws)).toMatchObject({ id: 3, ok: false, error: { code: 'API_BAD_REQUEST' } });
    ws.send(JSON.stringify({ id: 4, method: 'app.info', params: 'no' }));
    expect(await nextMessage(ws)).toMatchObject({ id: 4, ok: false, error: { code: 'API_BAD_REQUEST' } });
    ws.send(JSON.stringify({ id: 5, method: 'x'.repeat(10_000), params: [] }));
    expect(await nextMessage(ws)).toMatchObject({ id: 5, ok: false, error: { code: 'API_BAD_REQUEST' } });
    ws.close();
  });

  it("answers the first screen's calls named in the address unasked, as replies 1…n; refuses other names", async () => {
    const messages: Array<{ id?: number }> = [];
    const ws = await openApi(`&first=app.info,secrets.status,app.info`, (m) => messages.push(m as { id?: number }));
    // The page's own calls count on from the ones it named (at most FIRST_CALLS.length: the third is not answered).
    ws.send(JSON.stringify({ id: 3, method: 'app.info', params: [] }));
    await expect.poll(() => messages.some((m) => m.id === 3)).toBe(true);
    expect(messages.find((m) => m.id === 1)).toEqual({ id: 1, ok: true, result: info });
    expect(messages.find((m) => m.id === 2)).toMatchObject({ id: 2, ok: false, error: { code: 'API_BAD_REQUEST' } });
    expect(messages.map((m) => m.id).sort()).toEqual([1, 2, 3]);
    ws.close();
  });

  it('pushes events to attached pages', async () => {
    const ws = await openApi();
    const got = nextMessage(ws);
    dispatcher.emit('store.warning', { code: 'STORE_CORRUPT', message: 'moved aside' });
    expect(await got).toEqual({ event: 'store.warning', payload: { code: 'STORE_CORRUPT', message: 'moved aside' } });
    ws.close();
  });

  it('closes one socket on garbage (bad JSON 1007, binary 1003) and keeps serving others', async () => {
    const a = await openApi();
    const closedA = new Promise<number>((r) => a.once('close', (code) => r(code)));
    a.send('{not json');
    expect(await closedA).toBe(1007);
    const b = await openApi();
    const closedB = new Promise<number>((r) => b.once('close', (code) => r(code)));
    b.send(Buffer.from([1, 2, 3]));
    expect(await closedB).toBe(1003);
    const c = await openApi();
    c.send(JSON.stringify({ id: 9, method: 'app.info', params: [] }));
    expect(await nextMessage(c)).toMatchObject({ id: 9, ok: true });
    c.close();
  });

  it('reads an upgrade request that arrives one byte at a time', async () => {
    const sock = net.connect(server.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const reqText = [
      `GET /api?token=wrong HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      `Origin: http://127.0.0.1:${server.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n');
    let answer = '';
    sock.on('data', (d) => (answer += d.toString()));
    for (const byte of Buffer.from(reqText)) sock.write(Buffer.from([byte]));
    await new Promise((r) => sock.once('close', r));
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('a real page on a foreign origin cannot use the API; the app page can', async () => {
    browser = await startChromium();
    const page = await browser.newPage();
    const probe = `(url) => new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => { ws.close(); resolve('open'); };
      ws.onerror = () => resolve('refused');
    })`;
    const apiUrl = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
    const foreignPort = (foreign.address() as net.AddressInfo).port;
    await page.goto(`http://127.0.0.1:${foreignPort}/`);
    // Even holding the token, a page on another origin is refused.
    expect(await page.evaluate(`(${probe})(${JSON.stringify(apiUrl)})`)).toBe('refused');
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await expect.poll(() => page.evaluate('window.appLoaded === true')).toBe(true);
    expect(await page.evaluate(`(${probe})(${JSON.stringify(apiUrl)})`)).toBe('open');
    expect(await page.evaluate(`(${probe})(${JSON.stringify(apiUrl.replace(/token=.*/, 'token=guess'))})`)).toBe(
      'refused',
    );
  });
});
