// `npm run bench -- vnc`: VNC tabs as a person uses them. The real
// serve mode, a real Chromium, real Xvnc servers and a real sshd; the
// reference is the same noVNC talking to the same Xvnc through Debian's
// websockify, measured in the same run.
//
// - first_frame_direct / first_frame_ssh: ms from the double-click on the
//   saved host to the first full frame (both far corners show the colour the
//   bench just gave the root window) drawn in Chromium; reference: a new noVNC
//   viewer in the bare websockify page to the direct Xvnc, to its full frame.
// - fps: full-screen updates faster than a viewer can draw (bench/vnc-painter.ts:
//   60 screens/s of new random 16x16 tiles) counted by the page: frames in which
//   the canvas shows a new colour, per second. Gateway (the app page) vs
//   websockify (a page that loads the same noVNC from node_modules), both
//   watching at once; the bench fails if a viewer keeps up with the painter.
// - vnc_throughput: bytes/s the page received on its VNC WebSocket in those
//   rounds (counted per socket; zero fails the bench).
// - heap_per_vnc_tab: JS heap and ArrayBuffers (after GC) added by each open
//   VNC tab; the canvas pixels live outside both. Reference: the same for
//   bare noVNC viewers in the websockify page.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import type { Browser, Page, WebSocket } from 'playwright-core';
import type { SavedHost } from '../shared/model/host.js';
import { startChromium } from '../test/support/chromium.js';
import { openAppPage } from '../test/support/app-page.js';
import { freePort } from '../test/support/net.js';
import { inOwnRunDir, killTree } from '../test/support/processes.js';
import { sshHostInput, vncHostInput } from '../test/support/hosts.js';
import { startServe } from '../test/support/serve.js';
import { startSshd } from '../test/support/sshd.js';
import { startXvnc, type Xvnc } from '../test/support/xvnc.js';
import { assertMeasured, printReport, stats, type Measurement } from './report.js';
import { pageApi } from './vnc-page.js';

const here = dirname(fileURLToPath(import.meta.url));
const WEBSOCKIFY = '/usr/bin/websockify';
const NOVNC_DIR = join(here, '..', 'node_modules', '@novnc', 'novnc');
const WIDTH = 1280;
const HEIGHT = 800;
const APP_SCOPE = '.session[role=tabpanel]:not([hidden])';
/** Full screens per second the painter aims for: above what a 60 Hz page can draw. */
const PAINT_FPS = 60;

interface Options {
  reps: number;
  roundMs: number;
  rounds: number;
  tabs: number;
}

function parseOptions(args: string[]): Options {
  const quick = args.includes('--quick');
  const num = (name: string, dflt: number): number => {
    const a = args.find((x) => x.startsWith(`--${name}=`));
    return a === undefined ? dflt : Number(a.split('=')[1]);
  };
  return {
    reps: num('reps', quick ? 3 : 7),
    roundMs: num('round-ms', quick ? 4000 : 8000),
    rounds: num('rounds', quick ? 2 : 4),
    tabs: num('tabs', quick ? 2 : 4),
  };
}

// In-page code. bench/ is type-checked as Node code (no DOM), so the little
// of the DOM used here is described here; the page's CSP forbids string eval.
interface Ctx2d {
  getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
}
interface Canvas {
  width: number;
  getContext(kind: '2d', opts?: { willReadFrequently: boolean }): Ctx2d | null;
}
interface Counter {
  changes: number;
  last: string;
  run: boolean;
  tick?: () => void;
}
interface PageWorld {
  document: { querySelector(sel: string): Canvas | null; querySelectorAll(sel: string): { length: number } };
  requestAnimationFrame(fn: () => void): void;
  hdCounter?: Counter;
}
/** What the reference page (openWebsockifyPage) offers the bench. */
interface RefWorld {
  hdOpenViewer(id: string): void;
  hdCloseViewer(id: string): void;
}

/** Starts counting, once per animation frame, canvas frames that show a new colour at the centre. */
function startCounter({ sel, x, y }: { sel: string; x: number; y: number }): void {
  const w = globalThis as unknown as PageWorld;
  const ctx = w.document.querySelector(sel)?.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error(`no canvas at ${sel}`);
  const c: Counter = { changes: 0, last: '', run: true };
  w.hdCounter = c;
  // A property, not a named local: tsx would wrap a named local in a
  // `__name` helper that does not exist in the page.
  c.tick = (): void => {
    if (!c.run) return;
    const d = ctx.getImageData(x, y, 1, 1).data;
    const now = `${d[0]},${d[1]},${d[2]}`;
    if (now !== c.last) {
      c.changes++;
      c.last = now;
    }
    if (c.tick) w.requestAnimationFrame(c.tick);
  };
  w.requestAnimationFrame(c.tick);
}

function stopCounter(): number {
  const c = (globalThis as unknown as PageWorld).hdCounter;
  if (!c) return 0;
  c.run = false;
  return c.changes;
}

/** True once both far corners of the canvas show the colour: a full frame. */
function fullFrame({ sel, rgb, w, h }: { sel: string; rgb: number[]; w: number; h: number }): boolean {
  const canvas = (globalThis as unknown as PageWorld).document.querySelector(sel);
  if (!canvas || canvas.width < w) return false;
  const ctx = canvas.getContext('2d');
  return [
    [1, 1],
    [w - 2, h - 2],
  ].every(([x, y]) => {
    const d = ctx?.getImageData(x ?? 0, y ?? 0, 1, 1).data;
    return d !== undefined && d[0] === rgb[0] && d[1] === rgb[1] && d[2] === rgb[2];
  });
}

function canvasReady({ sel, w }: { sel: string; w: number }): boolean {
  return ((globalThis as unknown as PageWorld).document.querySelector(sel)?.width ?? 0) >= w;
}

/** In the reference page: a new bare noVNC viewer in a new element with this id. */
function openViewer(id: string): void {
  (globalThis as unknown as RefWorld).hdOpenViewer(id);
}

function closeViewer(id: string): void {
  (globalThis as unknown as RefWorld).hdCloseViewer(id);
}

function noTabs(): boolean {
  return (globalThis as unknown as PageWorld).document.querySelectorAll('[role=tab]').length === 0;
}

const hex = (rgb: readonly number[]): string => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

export function main(args: string[]): Promise<void> {
  // This bench's own run folder: its peers and their pid list.
  return inOwnRunDir('hostdeck-bench-vnc', () => measure(args));
}

async function measure(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const preface: string[] = [];
  const say = (line: string): void => {
    preface.push(line);
    console.log(line);
  };
  say(
    `reps ${o.reps} per first-frame metric; ${o.rounds} fps rounds of ${o.roundMs} ms per path; ${o.tabs} tabs for heap; Xvnc ${WIDTH}x${HEIGHT}x24`,
  );
  const stack: Array<() => unknown> = [];
  const rows: Measurement[] = [];
  try {
    const sshd = await startSshd();
    stack.push(() => sshd.stop());
    const direct = await startXvnc({ geometry: `${WIDTH}x${HEIGHT}` });
    stack.push(() => direct.stop());
    const tunnelled = await startXvnc({ geometry: `${WIDTH}x${HEIGHT}`, host: '127.0.0.2' });
    stack.push(() => tunnelled.stop());
    const serve = await startServe();
    stack.push(() => serve.stop());
    const browser: Browser = await startChromium();
    stack.push(() => browser.close());

    /** Bytes each VNC WebSocket received, by socket (not by URL, which need not be unique). */
    const received = new Map<WebSocket, number>();
    const track = (p: Page): void => {
      p.on('websocket', (ws) => {
        if (ws.url().includes('/api?')) return;
        received.set(ws, 0);
        ws.on('framereceived', (f) =>
          received.set(
            ws,
            (received.get(ws) ?? 0) + (typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length),
          ),
        );
      });
    };
    const page = await openAppPage(browser, serve.url, { width: 1600, height: 1000 }, track);
    await pageApi(page, 'secrets.setMasterPassword', 'bench-master-password');
    const jump = await pageApi<SavedHost>(page, 'hosts.create', sshHostInput('jump', sshd));
    await pageApi(page, 'secrets.set', jump.id, 'password', sshd.password);
    const vnc = { scaling: 'none' } as const;
    await pageApi(page, 'hosts.create', vncHostInput('direct', direct, vnc));
    await pageApi(page, 'hosts.create', vncHostInput('tunnel', tunnelled, { ...vnc, viaSshHostId: jump.id }));
    await page.getByRole('treeitem', { name: 'tunnel' }).waitFor();

    const closeTabs = async (): Promise<void> => {
      const close = page.getByRole('button', { name: /^Close / });
      for (let n = await close.count(); n > 0; n--) await close.first().click();
      await page.waitForFunction(noTabs);
    };
    // Trust the SSH host key once, as a person would on first use; not timed.
    await page.getByRole('treeitem', { name: 'tunnel' }).dblclick();
    const keyDialog = page.getByRole('dialog', { name: 'Unknown host key' });
    await keyDialog.waitFor();
    await keyDialog.getByRole('button', { name: 'Trust and connect' }).click();
    await page.locator(`${APP_SCOPE}[data-status=connected]`).waitFor();
    await closeTabs();

    const firstFrame = async (name: string, server: Xvnc): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < o.reps; i++) {
        const rgb = [(i * 37) % 256, 255 - ((i * 53) % 256), 128];
        server.setRootColor(hex(rgb));
        const t0 = performance.now();
        await page.getByRole('treeitem', { name }).dblclick();
        await page.waitForFunction(
          fullFrame,
          { sel: `${APP_SCOPE} canvas`, rgb, w: WIDTH, h: HEIGHT },
          { polling: 'raf', timeout: 30_000 },
        );
        times.push(performance.now() - t0);
        await closeTabs();
      }
      return times;
    };
    // The reference: the same noVNC, alone in a bare page, through Debian's websockify to the same Xvnc.
    if (!existsSync(WEBSOCKIFY))
      throw new Error(`websockify: ${WEBSOCKIFY} is not installed; it is the reference (apt-get install websockify)`);
    const wsPage = await openWebsockifyPage(browser, stack, direct.port, track);
    const refFirstFrame = async (): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < o.reps; i++) {
        const rgb = [255 - ((i * 41) % 256), (i * 29) % 256, 64];
        direct.setRootColor(hex(rgb));
        const id = `ref-frame-${i}`;
        const t0 = performance.now();
        await wsPage.page.evaluate(openViewer, id);
        await wsPage.page.waitForFunction(
          fullFrame,
          { sel: `#${id} canvas`, rgb, w: WIDTH, h: HEIGHT },
          { polling: 'raf', timeout: 30_000 },
        );
        times.push(performance.now() - t0);
        await wsPage.page.evaluate(closeViewer, id);
      }
      return times;
    };
    const refFrame = stats(await refFirstFrame());
    for (const [metric, name, server] of [
      ['first_frame_direct', 'direct', direct],
      ['first_frame_ssh', 'tunnel', tunnelled],
    ] as const) {
      const s = stats(await firstFrame(name, server));
      rows.push({
        metric,
        value: s.median,
        unit: 'ms',
        reference: 'novnc_websockify',
        referenceValue: refFrame.median,
        note: `median of ${s.samples}, ${s.min.toFixed(0)}–${s.max.toFixed(0)}; ref = a new noVNC viewer in a bare page through websockify to the direct Xvnc, ${refFrame.min.toFixed(0)}–${refFrame.max.toFixed(0)}`,
      });
    }

    // fps: the app page through the gateway vs a bare noVNC page through websockify.
    // Both pages watch the same Xvnc at once and are counted over the same
    // updates, so they share the load and the server exactly. The updates come
    // from bench/vnc-painter.ts, faster than either viewer draws (see there):
    // each page's fps is then its own path's limit, not the update loop's.
    const painter = await startPainter(stack, direct, PAINT_FPS);
    type Sample = { fps: number; bytesPerSec: number };
    const watchers: Array<{ page: Page; scope: string; socket: WebSocket; samples: Sample[] }> = [];
    // The tab's own VNC socket, waited for (a lookup by URL after the fact read 0 when
    // the socket event had not arrived yet, or when a URL was seen before).
    const gatewaySocket = page.waitForEvent('websocket', {
      predicate: (ws) => !ws.url().includes('/api?'),
      timeout: 30_000,
    });
    await page.getByRole('treeitem', { name: 'direct' }).dblclick();
    await page.locator(`${APP_SCOPE}[data-status=connected]`).waitFor();
    watchers.push({ page, scope: APP_SCOPE, socket: await gatewaySocket, samples: [] });
    watchers.push({ page: wsPage.page, scope: '#screen', socket: wsPage.socket, samples: [] });
    const loopRates: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const bytes0 = watchers.map((w) => received.get(w.socket) ?? 0);
      for (const w of watchers)
        await w.page.evaluate(startCounter, { sel: `${w.scope} canvas`, x: WIDTH / 2, y: HEIGHT / 2 });
      const t0 = performance.now();
      painter.child.send('start');
      await new Promise((resolve) => setTimeout(resolve, o.roundMs));
      const painted = await painter.stop();
      const secs = (performance.now() - t0) / 1000;
      const changes = await Promise.all(watchers.map((w) => w.page.evaluate(stopCounter)));
      watchers.forEach((w, i) =>
        w.samples.push({
          fps: (changes[i] ?? 0) / secs,
          bytesPerSec: ((received.get(w.socket) ?? 0) - (bytes0[i] ?? 0)) / secs,
        }),
      );
      loopRates.push(painted.frames / (painted.ms / 1000));
    }
    await closeTabs();
    const med = (xs: number[]): number | null => (xs.length ? stats(xs).median : null);
    const [gw, ref] = [watchers[0]?.samples ?? [], watchers[1]?.samples ?? []];
    const loop = med(loopRates) ?? 0;
    const gwFps = med(gw.map((x) => x.fps));
    const refFps = med(ref.map((x) => x.fps));
    say(
      `update loop: ${loop.toFixed(0)} full screens/s painted (target ${PAINT_FPS}); fps gateway ${gwFps?.toFixed(1)}, websockify ${refFps?.toFixed(1)}; both pages counted at once`,
    );
    // If a viewer keeps up with the painter, the loop set its pace and the comparison says nothing.
    const fastest = Math.max(gwFps ?? 0, refFps ?? 0);
    if (fastest >= 0.9 * loop)
      throw new Error(
        `fps: a viewer drew ${fastest.toFixed(1)} frames/s of the ${loop.toFixed(1)} painted: the update loop, not the path, set the pace`,
      );
    rows.push({
      metric: 'fps',
      value: gwFps,
      unit: 'frames/s',
      reference: 'websockify',
      referenceValue: refFps,
      note: `median of ${gw.length} rounds of ${o.roundMs} ms; painter ${loop.toFixed(0)} screens/s (saturating); target ≥ 1.0×`,
    });
    rows.push({
      metric: 'vnc_throughput',
      value: med(gw.map((x) => x.bytesPerSec)),
      unit: 'bytes/s',
      reference: 'websockify',
      referenceValue: med(ref.map((x) => x.bytesPerSec)),
      note: 'received by the page in the fps rounds',
    });

    // heap_per_vnc_tab: JS heap after GC with N tabs open minus with none.
    const heap = await heapMeter(page);
    const empty = await heap();
    for (let i = 0; i < o.tabs; i++) {
      await page.getByRole('treeitem', { name: 'direct' }).dblclick();
      await page.locator(`${APP_SCOPE}[data-status=connected]`).waitFor();
      await page.waitForFunction(canvasReady, { sel: `${APP_SCOPE} canvas`, w: WIDTH });
    }
    const full = await heap();
    await closeTabs();
    // The same count of bare noVNC viewers in the reference page (its own viewer stays open in both counts).
    const refHeap = await heapMeter(wsPage.page);
    const refEmpty = await refHeap();
    for (let i = 0; i < o.tabs; i++) {
      await wsPage.page.evaluate(openViewer, `ref-heap-${i}`);
      await wsPage.page.waitForFunction(canvasReady, { sel: `#ref-heap-${i} canvas`, w: WIDTH });
    }
    const refFull = await refHeap();
    for (let i = 0; i < o.tabs; i++) await wsPage.page.evaluate(closeViewer, `ref-heap-${i}`);
    rows.push({
      metric: 'heap_per_vnc_tab',
      value: (full - empty) / o.tabs / 1024 / 1024,
      unit: 'MiB',
      reference: 'novnc_viewer',
      referenceValue: (refFull - refEmpty) / o.tabs / 1024 / 1024,
      note: `${o.tabs} tabs, after GC; JS heap + ArrayBuffers; ref = ${o.tabs} bare noVNC viewers in the websockify page`,
    });
  } finally {
    for (const undo of stack.reverse()) await undo();
  }
  assertMeasured(rows);
  printReport('vnc', 'VNC tabs: serve mode, Chromium, Xvnc', rows, preface);
}

/**
 * Reads `page`'s JS heap plus ArrayBuffers after a GC (bytes). usedSize alone
 * misses noVNC's receive and decode buffers: they are ArrayBuffers, counted
 * by V8 as backing storage outside the JS heap.
 */
async function heapMeter(page: Page): Promise<() => Promise<number>> {
  const cdp = await page.context().newCDPSession(page);
  return async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const h = await cdp.send('Runtime.getHeapUsage');
    return h.usedSize + h.backingStorageSize;
  };
}

/** A bare noVNC page (the same noVNC files) served and proxied by Debian's websockify. */
async function openWebsockifyPage(
  browser: Browser,
  stack: Array<() => unknown>,
  target: number,
  track: (p: Page) => void,
): Promise<{ page: Page; socket: WebSocket }> {
  const dir = mkdtempSync(join(tmpdir(), 'hd-bench-novnc-'));
  stack.push(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(NOVNC_DIR, join(dir, 'novnc'));
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><meta charset=utf-8><title>noVNC via websockify</title>
<div id=screen style="width:1600px;height:900px"></div>
<script type=module>
import RFB from './novnc/core/rfb.js';
const viewer = (el) => {
  const rfb = new RFB(el, 'ws://' + location.host + '/websockify', { shared: true });
  rfb.scaleViewport = false;
  rfb.resizeSession = false;
  rfb.qualityLevel = 6;
  rfb.compressionLevel = 2;
  return rfb;
};
viewer(document.getElementById('screen')).addEventListener('connect', () => { document.body.dataset.connected = 'true'; });
const more = new Map();
window.hdOpenViewer = (id) => {
  const el = document.createElement('div');
  el.id = id;
  el.style.cssText = 'width:1600px;height:900px';
  document.body.append(el);
  more.set(id, viewer(el));
};
window.hdCloseViewer = (id) => {
  more.get(id)?.disconnect();
  more.delete(id);
  document.getElementById(id)?.remove();
};
</script>`,
  );
  const port = await freePort();
  const child = spawn(WEBSOCKIFY, ['--web', dir, `127.0.0.1:${port}`, `127.0.0.1:${target}`], { stdio: 'ignore' });
  stack.push(() => {
    // websockify forks a process per connection: end the whole tree we started.
    if (child.pid !== undefined && child.exitCode === null) killTree(child.pid);
  });
  for (let i = 0; i < 200 && !(await canConnect(port)); i++) await new Promise((r) => setTimeout(r, 50));
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  track(page);
  const socket = page.waitForEvent('websocket', { timeout: 30_000 });
  await page.goto(`http://127.0.0.1:${port}/index.html`);
  await page.locator('body[data-connected=true]').waitFor({ timeout: 30_000 });
  await page.waitForFunction(canvasReady, { sel: '#screen canvas', w: WIDTH });
  return { page, socket: await socket };
}

/** bench/vnc-painter.ts against `server`'s display, ready to paint; stop() ends a round with what it painted. */
async function startPainter(
  stack: Array<() => unknown>,
  server: Xvnc,
  fps: number,
): Promise<{ child: ChildProcess; stop(): Promise<{ frames: number; ms: number }> }> {
  const displayNo = server.display.replace(/^:/, '');
  const child = fork(join(here, 'vnc-painter.ts'), [displayNo, String(WIDTH), String(HEIGHT), String(fps)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  stack.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`vnc painter exited (${code}) before it was ready`)));
    child.once('message', () => resolve());
  });
  return {
    child,
    stop: () =>
      new Promise((resolve, reject) => {
        const died = (code: number | null): void => reject(new Error(`vnc painter exited (${code}) during a round`));
        child.once('exit', died);
        child.once('message', (m: { frames: number; ms: number }) => {
          child.off('exit', died);
          resolve(m);
        });
        child.send('stop');
      }),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
