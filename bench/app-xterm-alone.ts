// xterm.js alone in a blank page of the same Chromium: the app bench's
// same-run references for what the page does with a terminal
// (`npm run bench -- app`). The page holds xterm.js (the app's version) and
// its WebGL addon, nothing else: no app, no bridge, no SSH.
//
// xtermAlone: the ceiling for terminal_throughput and the reference for
// longest_task. The same bytes `seq 1 3000000` puts on a pty, written straight
// into a terminal with the app's options, with flow control of the same kind
// as the app's bridge but fixed watermarks (pause above 512 KiB
// unacknowledged, resume below 128 KiB; the bridge sizes its budget from the
// drawing rate, main/ssh/flow-rate.ts). If this is slow too, the page, not the
// path to it, sets the pace; its longest task is what drawing those bytes
// costs xterm.js itself.
//
// xtermHeap: the reference for heap_per_ssh_tab. JS heap per bare Terminal
// (the app's options and scrollback, WebGL, opened in its own full-page
// element as a tab's panel is and sized to it by the fit addon, earlier ones
// hidden as background tabs are),
// holding the same text an idle app tab holds, after GC.
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const require = createRequire(import.meta.url);

export interface XtermAloneResult {
  mbps: number;
  /** Longest long task (ms, ≥ 50 or 0 when there was none) while the bytes were drawn. */
  longest: number;
  renderer: string;
}

/**
 * The options renderer/src/terminal/terminal-session.ts gives every terminal,
 * with the default font and size (renderer/src/ui/local-settings.ts), as a
 * page-side expression. The theme and link handler are left out: colours and
 * a callback, not work or memory.
 */
export const TERMINAL_OPTIONS = String.raw`({ allowProposedApi: true, fontFamily: "'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace", fontSize: 14, scrollback: 10000, cursorBlink: true, macOptionIsMeta: true, minimumContrastRatio: 4.5 })`;

/**
 * Page-side: a Terminal in `el` with the app's options and the renderer the
 * page was made for (blankXtermPage): WebGL when it loads, else the DOM
 * renderer; returns [term, renderer].
 */
export const OPEN_TERMINAL = String.raw`(el) => {
  const term = new window.Terminal(${TERMINAL_OPTIONS});
  term.open(el);
  let renderer = 'dom';
  if (window.__hdRenderer === 'webgl') try { term.loadAddon(new window.WebglAddon.WebglAddon()); renderer = 'webgl'; } catch (e) {}
  // The DOM renderer's own blink is a CSS animation run every frame; the app blinks by a class
  // instead (terminal-session.ts), so the reference does not blink at all rather than pay for it.
  if (renderer === 'dom') term.options.cursorBlink = false;
  return [term, renderer];
}`;

/** The xterm.js renderer a reference page draws with: the one the app's tab got, so both draw alike. */
export type XtermRenderer = 'webgl' | 'dom';

/** The renderer PageProbe.renderer() reported for a tab, as an XtermRenderer; throws when there was no tab. */
export function xtermRenderer(reported: string): XtermRenderer {
  if (reported === 'webgl' || reported === 'dom') return reported;
  throw new Error(`no terminal tab to read the renderer of (got "${reported}")`);
}

const RUN = String.raw`async ({ lines, chunk, high, low }) => {
  const longTasks = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) longTasks.push(e); }).observe({ type: 'longtask' });
  const [term, renderer] = (${OPEN_TERMINAL})(document.getElementById('t'));
  const parts = [];
  for (let i = 1; i <= lines; i++) parts.push(i);
  const bytes = new TextEncoder().encode(parts.join('\r\n') + '\r\n');
  await new Promise((r) => requestAnimationFrame(r));
  const t0 = performance.now();
  await new Promise((resolve) => {
    let sent = 0;
    let unacked = 0;
    let paused = false;
    const pump = () => {
      paused = false;
      while (sent < bytes.length && unacked < high) {
        const piece = bytes.subarray(sent, Math.min(bytes.length, sent + chunk));
        sent += piece.length;
        unacked += piece.length;
        term.write(piece, () => {
          unacked -= piece.length;
          if (sent >= bytes.length && unacked === 0) requestAnimationFrame(() => resolve());
          else if (paused && unacked < low) pump();
        });
      }
      if (sent < bytes.length) paused = true;
    };
    pump();
  });
  const end = performance.now();
  const ms = end - t0;
  // Long-task entries are delivered after the task; give the observer a moment (as the app bench does).
  await new Promise((r) => setTimeout(r, 500));
  const longest = longTasks.filter((e) => e.startTime >= t0 && e.startTime <= end).reduce((m, e) => Math.max(m, e.duration), 0);
  term.dispose();
  return { mbps: bytes.length / 1e6 / (ms / 1000), longest, renderer };
}`;

/** A blank page in a context of its own with xterm.js, its CSS and the WebGL and fit addons loaded; its terminals use `renderer`. */
export async function blankXtermPage(
  browser: Browser,
  viewport: { width: number; height: number },
  renderer: XtermRenderer,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  try {
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('blank xterm page error:', err.message));
    await page.setContent(
      '<!doctype html><html><body style="margin:0"><div id="t" style="width:100vw;height:100vh"></div></body></html>',
    );
    await page.addStyleTag({ path: require.resolve('@xterm/xterm/css/xterm.css') });
    await page.addScriptTag({ path: require.resolve('@xterm/xterm/lib/xterm.js') });
    await page.addScriptTag({ path: require.resolve('@xterm/addon-webgl/lib/addon-webgl.js') });
    await page.addScriptTag({ path: require.resolve('@xterm/addon-fit/lib/addon-fit.js') });
    await page.evaluate(`window.__hdRenderer = ${JSON.stringify(renderer)}`);
    return { context, page };
  } catch (err) {
    await context.close();
    throw err;
  }
}

/** One run of `seq 1 <lines>`'s bytes through xterm.js alone: MB/s and the longest task while drawing them. */
export async function xtermAlone(
  browser: Browser,
  lines: number,
  viewport: { width: number; height: number },
  renderer: XtermRenderer,
): Promise<XtermAloneResult> {
  const { context, page } = await blankXtermPage(browser, viewport, renderer);
  try {
    return await page.evaluate(
      `(${RUN})(${JSON.stringify({ lines, chunk: 32 * 1024, high: 512 * 1024, low: 128 * 1024 })})`,
    );
  } finally {
    await context.close();
  }
}

const HEAP_OPEN = String.raw`async ({ count, text }) => {
  window.__terms = window.__terms || [];
  for (let i = 0; i < count; i++) {
    for (const t of window.__terms) t.el.hidden = true;
    const el = document.createElement('div');
    el.style.cssText = 'position:absolute;inset:0';
    document.body.append(el);
    const [term] = (${OPEN_TERMINAL})(el);
    const fit = new window.FitAddon.FitAddon();
    term.loadAddon(fit);
    fit.fit();
    await new Promise((r) => term.write(text, r));
    await new Promise((r) => requestAnimationFrame(r));
    window.__terms.push({ term, el });
  }
}`;

const HEAP_CLOSE = String.raw`() => {
  for (const t of window.__terms || []) { t.term.dispose(); t.el.remove(); }
  window.__terms = [];
}`;

/** JS heap (usedSize) and array buffer storage (backingStorageSize), bytes, after two forced GCs. */
export interface HeapReading {
  used: number;
  backing: number;
}

/** A reader of `page`'s heap: two forced GCs (HeapProfiler.collectGarbage), then Runtime.getHeapUsage. */
export async function heapReader(page: Page): Promise<() => Promise<HeapReading>> {
  const cdp = await page.context().newCDPSession(page);
  return async () => {
    for (let i = 0; i < 2; i++) await cdp.send('HeapProfiler.collectGarbage');
    const h = await cdp.send('Runtime.getHeapUsage');
    return { used: h.usedSize, backing: h.backingStorageSize };
  };
}

/**
 * In a blank xterm page: the JS heap `tabs` bare Terminals add, each showing
 * `text` (what an idle app tab shows), per Terminal, after GC. One Terminal is
 * opened and disposed first so compiled code is not charged to the count (the
 * app bench does the same with one tab). Bytes.
 */
export async function xtermHeap(
  browser: Browser,
  viewport: { width: number; height: number },
  tabs: number,
  text: string,
  renderer: XtermRenderer,
): Promise<HeapReading> {
  const { context, page } = await blankXtermPage(browser, viewport, renderer);
  try {
    const heap = await heapReader(page);
    const open = (count: number): Promise<void> => page.evaluate(`(${HEAP_OPEN})(${JSON.stringify({ count, text })})`);
    await open(1);
    await page.evaluate(`(${HEAP_CLOSE})()`);
    const before = await heap();
    await open(tabs);
    const after = await heap();
    return { used: (after.used - before.used) / tabs, backing: (after.backing - before.backing) / tabs };
  } finally {
    await context.close();
  }
}
