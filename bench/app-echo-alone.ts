// The same-run reference for keystroke_drawn_p50/p99 (`npm run bench -- app`):
// the same keystroke echo done by the least code. xterm.js alone in a blank
// page (the app's options, WebGL; bench/app-xterm-alone.ts) sends each key
// over a bare WebSocket (the `ws` server, no protocol of its own: binary
// frames both ways) to ssh2 alone in this process, logged in to the same
// sshd as the same user, with `cat >/dev/null` on the pty, as the app's tab
// runs it. Keys alternate with the app's, one each. Timed like the app's tab (bench/app-page-probe.ts): from the
// keydown event until the echoed character has been parsed by xterm.js (its
// write callback) and one animation frame has run after it, so both sides
// wait for a drawn frame and the ratio is not the frame rate.
import { readFileSync } from 'node:fs';
import ssh2, { type Client } from 'ssh2';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { blankXtermPage, OPEN_TERMINAL, type XtermRenderer } from './app-xterm-alone.js';
import type { Sshd } from '../test/support/sshd.js';

/** One keystroke: keydown → echo drawn, and keydown → the frame carrying the echo reached the page (ms). */
export interface EchoTiming {
  ms: number;
  receivedMs: number;
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
 * The reference's terminal: a blank page and its bridge, the terminal and its
 * pty at the app tab's size, `cat >/dev/null` running. The app bench presses
 * each key here right after pressing it in the app's tab, so both see the
 * same machine load, key by key.
 */
export class EchoAlone {
  readonly renderer: string;
  readonly size: { cols: number; rows: number };
  readonly #context: BrowserContext;
  readonly #page: Page;
  readonly #server: { close(): Promise<void> };
  #closed: Promise<void> | null = null;

  /** Use EchoAlone.open. */
  constructor(
    parts: { context: BrowserContext; page: Page; server: { close(): Promise<void> } },
    info: { renderer: string; cols: number; rows: number },
  ) {
    this.#context = parts.context;
    this.#page = parts.page;
    this.#server = parts.server;
    this.renderer = info.renderer;
    this.size = { cols: info.cols, rows: info.rows };
  }

  /** Opens the page and the bridge, waits for the prompt, starts cat; throws when either is not seen in 30 s. */
  static async open(
    browser: Browser,
    viewport: { width: number; height: number },
    sshd: Pick<Sshd, 'host' | 'port' | 'keyUser' | 'clientKeyPath' | 'hostPublicKey'>,
    size: { cols: number; rows: number },
    renderer: XtermRenderer,
  ): Promise<EchoAlone> {
    const server = await sshBridge(sshd);
    const { context, page } = await blankXtermPage(browser, viewport, renderer).catch(async (err: unknown) => {
      await server.close();
      throw err;
    });
    try {
      const info = await page.evaluate<{ renderer: string; cols: number; rows: number }>(
        `(${PAGE})(${JSON.stringify({ url: server.url, ...size })})`,
      );
      await until(page, '/\\$ $/.test(window.__echo.tail())', 'the prompt');
      await page.keyboard.type('cat >/dev/null');
      await page.keyboard.press('Enter');
      await until(page, 'window.__echo.tail().includes("cat >/dev/null\\r\\n")', 'cat started');
      return new EchoAlone({ context, page, server }, info);
    } catch (err) {
      await context.close();
      await server.close();
      throw err;
    }
  }

  /** Presses `key` and times it, keydown → echo drawn; throws when the echo is not drawn within 10 s. */
  async key(key: string): Promise<EchoTiming> {
    await this.#page.evaluate(`window.__echo.arm(${JSON.stringify(key)})`);
    await this.#page.keyboard.press(key);
    return this.#page.evaluate<EchoTiming>(
      'Promise.race([window.__echo.done, new Promise((_, no) => setTimeout(() => no(new Error("echo_alone: echo not drawn within 10 s")), 10000))])',
    );
  }

  /** Presses a key without timing it (Enter, Control+C). */
  press(key: string): Promise<void> {
    return this.#page.keyboard.press(key);
  }

  /** Closes the page and the bridge (its ssh2 login); a second call waits for the first. */
  close(): Promise<void> {
    this.#closed ??= this.#context.close().then(() => this.#server.close());
    return this.#closed;
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
