// The same-run reference for keystroke_drawn_p50/p99 (`npm run bench -- app`):
// the same keystroke echo done by the least code. xterm.js alone in a blank
// page (the app's options, WebGL; bench/app-xterm-alone.ts) sends each key
// over a bare WebSocket (the `ws` server, no protocol of its own: binary
// frames both ways) to ssh2 alone in this process, logged in to the same
// sshd as the same user, with `cat >/dev/null` on the pty, as the app's tab
// runs it. Timed like the app's tab (bench/app-page-probe.ts): from the
// keydown event until the echoed character has been parsed by xterm.js (its
// write callback) and one animation frame has run after it, so both sides
// wait for a drawn frame and the ratio is not the frame rate.
import { readFileSync } from 'node:fs';
import ssh2, { type Client } from 'ssh2';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Browser, Page } from 'playwright-core';
import { blankXtermPage, OPEN_TERMINAL } from './app-xterm-alone.js';
import type { Sshd } from '../test/support/sshd.js';

export interface EchoAloneResult {
  /** Keydown → echo drawn, ms, one per key after the warm-up. */
  ms: number[];
  /** Keydown → the frame carrying the echo reached the page, ms. */
  receivedMs: number[];
  renderer: string;
  size: { cols: number; rows: number };
}

/** Page-side: a terminal of the app tab's size, wired to the echo socket, and window.__echo to time keys. */
const PAGE = String.raw`({ url, cols, rows }) => new Promise((resolve, reject) => {
  const [term, renderer] = (${OPEN_TERMINAL})(document.getElementById('t'));
  term.resize(cols, rows);
  let tail = '';
  let watch = null;
  const latin1 = new TextDecoder('latin1');
  addEventListener('keydown', (ev) => { if (watch && watch.t0 === null && ev.key === watch.key) watch.t0 = ev.timeStamp; }, true);
  const ws = new WebSocket(url + '?cols=' + term.cols + '&rows=' + term.rows);
  ws.binaryType = 'arraybuffer';
  ws.onerror = () => reject(new Error('echo socket failed'));
  ws.onopen = () => resolve({ renderer, cols: term.cols, rows: term.rows });
  ws.onmessage = (ev) => {
    const bytes = new Uint8Array(ev.data);
    tail = (tail + latin1.decode(bytes)).slice(-256);
    const w = watch && watch.t0 !== null && watch.recvAt === null && bytes.includes(watch.code) ? watch : null;
    if (w) w.recvAt = performance.now();
    term.write(bytes, () => {
      if (!w) return;
      requestAnimationFrame(() => {
        const end = performance.now();
        if (watch === w) watch = null;
        w.resolve({ ms: end - w.t0, receivedMs: w.recvAt - w.t0 });
      });
    });
  };
  term.onData((d) => ws.send(new TextEncoder().encode(d)));
  term.focus();
  window.__echo = {
    tail: () => tail,
    arm: (key) => { window.__echo.done = new Promise((r) => { watch = { key, code: key.charCodeAt(0), t0: null, recvAt: null, resolve: r }; }); },
  };
})`;

/**
 * Opens the blank page and the bridge (the terminal and its pty at `size`, the app tab's), waits for the shell's prompt, starts
 * `cat >/dev/null` and times `keys` keystrokes (after 5 unrecorded ones) the
 * way the app bench times its tab's, pressing Enter every 50 keys as it does.
 * Throws when a key's echo is not drawn within 10 s.
 */
export async function echoAlone(
  browser: Browser,
  viewport: { width: number; height: number },
  sshd: Pick<Sshd, 'host' | 'port' | 'keyUser' | 'clientKeyPath' | 'hostPublicKey'>,
  size: { cols: number; rows: number },
  keys: number,
): Promise<EchoAloneResult> {
  const server = await sshBridge(sshd);
  const { context, page } = await blankXtermPage(browser, viewport);
  try {
    const info = await page.evaluate<{ renderer: string; cols: number; rows: number }>(
      `(${PAGE})(${JSON.stringify({ url: server.url, ...size })})`,
    );
    await until(page, '/\\$ $/.test(window.__echo.tail())', 'the prompt');
    await page.keyboard.type('cat >/dev/null');
    await page.keyboard.press('Enter');
    await until(page, 'window.__echo.tail().includes("cat >/dev/null\\r\\n")', 'cat started');
    const ms: number[] = [];
    const receivedMs: number[] = [];
    for (let i = -5; i < keys; i++) {
      const key = String.fromCharCode(97 + ((i + 26) % 26));
      await page.evaluate(`window.__echo.arm(${JSON.stringify(key)})`);
      await page.keyboard.press(key);
      const r = await page.evaluate<{ ms: number; receivedMs: number }>(
        'Promise.race([window.__echo.done, new Promise((_, no) => setTimeout(() => no(new Error("echo not drawn within 10 s")), 10000))])',
      );
      if (i >= 0) {
        ms.push(r.ms);
        receivedMs.push(r.receivedMs);
      }
      if (i % 50 === 49) await page.keyboard.press('Enter');
    }
    await page.keyboard.press('Control+C');
    return { ms, receivedMs, renderer: info.renderer, size: { cols: info.cols, rows: info.rows } };
  } finally {
    await context.close();
    await server.close();
  }
}

/** Waits for a page-side condition; on timeout, says what the terminal received last. */
async function until(page: Page, condition: string, what: string): Promise<void> {
  try {
    await page.waitForFunction(condition, undefined, { timeout: 30_000 });
  } catch (err) {
    const tail = await page.evaluate<string>('window.__echo.tail()').catch(() => '?');
    throw new Error(`echo_alone: ${what} not seen in 30 s; the terminal received last: ${JSON.stringify(tail)}`, {
      cause: err,
    });
  }
}

/**
 * A WebSocket server on 127.0.0.1 (OS-chosen port): each connection gets an
 * ssh2 login to `sshd` (the key user's key; the host key must be sshd's own)
 * and a pty shell of the cols × rows in its URL; binary frames are keys, the
 * channel's output goes back as binary frames.
 */
async function sshBridge(
  sshd: Pick<Sshd, 'host' | 'port' | 'keyUser' | 'clientKeyPath' | 'hostPublicKey'>,
): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const clients = new Set<Client>();
  wss.on('connection', (ws, req) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const client = new ssh2.Client();
    clients.add(client);
    bridge(ws, client, { cols: Number(q.get('cols')) || 80, rows: Number(q.get('rows')) || 24 });
    client.connect({
      host: sshd.host,
      port: sshd.port,
      username: sshd.keyUser,
      privateKey: readFileSync(sshd.clientKeyPath),
      hostVerifier: (key: Buffer) => key.toString('base64') === sshd.hostPublicKey().split(' ')[1],
    });
  });
  const port = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        for (const c of clients) c.end();
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

function bridge(ws: WebSocket, client: Client, size: { cols: number; rows: number }): void {
  client.on('error', (err) => {
    console.error('echo reference ssh2:', err.message);
    ws.close();
  });
  client.on('ready', () =>
    client.shell({ term: 'xterm-256color', cols: size.cols, rows: size.rows }, (err, channel) => {
      if (err) {
        console.error('echo reference shell:', err.message);
        ws.close();
        return;
      }
      channel.on('data', (d: Buffer) => ws.send(d));
      channel.on('close', () => ws.close());
      ws.on('message', (d: Buffer) => channel.write(d));
      ws.on('close', () => client.end());
    }),
  );
}
