// The gateway seen from a real Chromium: a page on the allowed origin gets
// binary bytes and a close code and reason it can show; a page on any other
// origin (another port on the same host counts) is refused before the
// upgrade and no target is touched (docs/SECURITY.md "Gateway" 2).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { Browser } from 'playwright-core';
import { Gateway } from '../main/gateway/gateway.js';
import type { TargetOpener } from '../main/gateway/target.js';
import { GatewayClose, GatewayCloseReason } from '../shared/gateway-protocol.js';
import { startChromium } from './support/chromium.js';
import { startSourceServer, type TcpPeer } from './support/net.js';

interface PageResult {
  bytes: number;
  firstBytes: number[];
  binary: boolean;
  code: number;
  reason: string;
  opened: boolean;
}

/** A page server: each one is its own origin (http://127.0.0.1:<port>). */
async function startPageServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>page</title>');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    origin: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

describe('a real browser page', () => {
  let browser: Browser;
  let gw: Gateway;
  let src: TcpPeer;
  let ours: Awaited<ReturnType<typeof startPageServer>>;
  let foreign: Awaited<ReturnType<typeof startPageServer>>;

  beforeAll(async () => {
    ours = await startPageServer();
    foreign = await startPageServer();
    src = await startSourceServer(100_000, 7_000);
    gw = await Gateway.start({ allowedOrigins: [ours.origin] });
    browser = await startChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await src?.close();
    await ours?.close();
    await foreign?.close();
  });

  const opener = (): TargetOpener & { calls: number } => {
    const fn = Object.assign(
      () => {
        fn.calls++;
        return new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(src.port, '127.0.0.1');
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
      },
      { calls: 0 },
    );
    return fn;
  };

  async function visit(origin: string, url: string): Promise<PageResult> {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        (u) =>
          new Promise<PageResult>((resolve) => {
            const ws = new WebSocket(u);
            ws.binaryType = 'arraybuffer';
            const r: PageResult = { bytes: 0, firstBytes: [], binary: true, code: 0, reason: '', opened: false };
            ws.onopen = () => (r.opened = true);
            ws.onmessage = (e) => {
              if (!(e.data instanceof ArrayBuffer)) {
                r.binary = false;
                return;
              }
              const b = new Uint8Array(e.data);
              if (r.firstBytes.length === 0) r.firstBytes = Array.from(b.subarray(0, 4));
              r.bytes += b.length;
            };
            ws.onclose = (e) => {
              r.code = e.code;
              r.reason = e.reason;
              resolve(r);
            };
          }),
        url,
      );
    } finally {
      await page.close();
    }
  }

  it('on the allowed origin: binary bytes, then the close code and reason', async () => {
    const o = opener();
    const r = await visit(ours.origin, gw.issueTicket(o));
    expect(r).toEqual({
      bytes: 100_000,
      firstBytes: [0, 1, 2, 3],
      binary: true,
      code: GatewayClose.TARGET_CLOSED,
      reason: GatewayCloseReason.TARGET_CLOSED,
      opened: true,
    });
    expect(o.calls).toBe(1);
  });

  it('on another origin: refused before the upgrade, nothing opened, and the ticket still unused', async () => {
    const o = opener();
    const url = gw.issueTicket(o);
    const before = gw.stats().refused.origin;
    const r = await visit(foreign.origin, url);
    expect(r.opened).toBe(false);
    expect(r.code).toBe(1006);
    expect(o.calls).toBe(0);
    expect(gw.stats().refused.origin).toBe(before + 1);
    // The rightful page can still use it.
    expect((await visit(ours.origin, url)).bytes).toBe(100_000);
    expect(o.calls).toBe(1);
  });
});
