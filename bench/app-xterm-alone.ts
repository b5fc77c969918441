// The ceiling for terminal_throughput on this machine: the same bytes
// `seq 1 3000000` puts on a pty, written straight into xterm.js (the
// app's version, its options and its WebGL addon) in a blank page of the same
// Chromium, with flow control of the same kind as the app's bridge but fixed
// watermarks (pause above 512 KiB unacknowledged, resume below 128 KiB; the
// bridge sizes its budget from the drawing rate, main/ssh/flow-rate.ts), and
// no network, gateway or SSH at all. If this is slow too, the
// page, not the path to it, sets the pace.
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';

const require = createRequire(import.meta.url);

export interface XtermAloneResult {
  mbps: number;
  longest: number;
  renderer: string;
}

const RUN = String.raw`async ({ lines, chunk, high, low }) => {
  const longTasks = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) longTasks.push(e); }).observe({ type: 'longtask' });
  const term = new window.Terminal({ allowProposedApi: true, fontFamily: "'DejaVu Sans Mono', monospace", fontSize: 14, scrollback: 10000, cursorBlink: true });
  term.open(document.getElementById('t'));
  let renderer = 'dom';
  try { term.loadAddon(new window.WebglAddon.WebglAddon()); renderer = 'webgl'; } catch (e) {}
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
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300));
  const longest = longTasks.filter((e) => e.startTime >= t0).reduce((m, e) => Math.max(m, e.duration), 0);
  return { mbps: bytes.length / 1e6 / (ms / 1000), longest, renderer };
}`;

export async function xtermAlone(
  browser: Browser,
  lines: number,
  viewport: { width: number; height: number },
): Promise<XtermAloneResult> {
  const context = await browser.newContext({ viewport });
  try {
    const page = await context.newPage();
    await page.setContent(
      '<!doctype html><html><body style="margin:0"><div id="t" style="width:100vw;height:100vh"></div></body></html>',
    );
    await page.addStyleTag({ path: require.resolve('@xterm/xterm/css/xterm.css') });
    await page.addScriptTag({ path: require.resolve('@xterm/xterm/lib/xterm.js') });
    await page.addScriptTag({ path: require.resolve('@xterm/addon-webgl/lib/addon-webgl.js') });
    return await page.evaluate(
      `(${RUN})(${JSON.stringify({ lines, chunk: 32 * 1024, high: 512 * 1024, low: 128 * 1024 })})`,
    );
  } finally {
    await context.close();
  }
}
