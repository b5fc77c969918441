// Instrumentation that runs inside the page (installed with addInitScript,
// before the app's own scripts), for `npm run bench -- app`.
//
// The page's test hooks (window.__hostdeckTest, loaded on demand from
// assets/test-hooks.js: renderer/src/testing/test-hooks.ts) offer
// terminalText(), which joins the whole buffer (up to 10,000 scrollback
// lines): far too slow to poll while 24 MB scroll past, and polling it would
// itself make the long tasks we measure.
// So the probe watches the terminal's WebSocket instead, which tells exactly
// what xterm.js has drawn: the page acks bytes from xterm's write callback,
// i.e. once xterm has parsed them (shared/terminal-protocol.ts), and xterm
// paints what it parsed in its next animation frame. "Drawn" here is
// therefore: every byte up to the one we wait for has been acked, and then
// one animation frame has run (ours is requested after xterm's, so it runs
// after xterm's render in the same frame).
//
// It is a string, not a function: bench/ is type-checked without the DOM
// library, and a function would be rewritten by tsx (esbuild's keepNames)
// into code that references helpers the page does not have.
import type { Page } from 'playwright-core';
import { loadTestHooks } from '../test/support/app-page.js';

export const PAGE_PROBE = String.raw`(() => {
  const NativeWebSocket = window.WebSocket;
  const sockets = [];
  const longTasks = [];
  let readyAt = null;
  let hostsAtReady = null;
  let lastKey = null;
  let watch = null;
  let armed = null;

  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {}

  // body[data-ready=true] is the app's own "interactive" signal (renderer/src/main.ts).
  const markReady = () => {
    if (readyAt === null && document.body && document.body.dataset.ready === 'true') {
      readyAt = performance.now();
      // The tree draws only the lines in view: the host lines it holds are in data-hosts, and the
      // first screen must be drawn too.
      const tree = document.querySelector('[role=tree]');
      const drawn = document.querySelectorAll('[role=treeitem].book-host').length;
      hostsAtReady = tree && drawn > 0 ? Number(tree.dataset.hosts) : drawn;
    }
  };
  new MutationObserver(markReady).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'], childList: true });

  addEventListener('keydown', (ev) => {
    lastKey = { key: ev.key, at: ev.timeStamp };
    if (watch && watch.kind === 'bulk' && watch.t0 === null && ev.key === 'Enter') watch.t0 = ev.timeStamp;
    if (watch && watch.kind === 'key' && watch.t0 === null && ev.key === watch.key) watch.t0 = ev.timeStamp;
    if (watch && watch.kind === 'interrupt' && watch.t0 === null && ev.ctrlKey && ev.key.toLowerCase() === 'c') watch.t0 = ev.timeStamp;
  }, true);

  // The marker may sit anywhere in a frame (the prompt can follow it in the same
  // frame), so each frame is searched whole; a native decode costs far less than
  // xterm's parse of the same bytes.
  const latin1 = new TextDecoder('latin1');

  // Resolves the watch once everything up to its target byte is acked, one frame later.
  const settle = (rec) => {
    if (!watch || watch.rec !== rec || watch.target === null || watch.drawing) return;
    if (rec.acked < watch.target) return;
    watch.drawing = true;
    const w = watch;
    // A terminal whose paint pacer holds paints (renderer/src/terminal/paint-pacer.ts) has parsed
    // but not painted: wait for the hold to end, then for the frame that paints it.
    const painted = (then) => {
      if (document.querySelector('[data-paint-held]')) requestAnimationFrame(() => painted(then));
      else requestAnimationFrame(then);
    };
    painted(() => {
      w.end = performance.now();
      if (watch === w) watch = null;
      w.resolve({ t0: w.t0, end: w.end, bytes: w.target - w.rx0, ms: w.end - w.t0, receivedMs: w.recvAt === undefined ? null : w.recvAt - w.t0, starvedMs: w.idleMs, frames: w.frames });
    });
  };

  const onBinary = (rec, bytes) => {
    rec.rx += bytes.length;
    if (watch && watch.rec === rec && watch.t0 !== null && watch.target === null) watch.frames++;
    if (watch && watch.rec === rec && watch.idleSince !== null) {
      watch.idleMs += performance.now() - watch.idleSince;
      watch.idleSince = null;
    }
    if (!watch || watch.rec !== rec || watch.target !== null || watch.t0 === null) return;
    if (watch.kind === 'bulk' || watch.kind === 'interrupt') {
      const text = watch.tail + latin1.decode(bytes);
      if (text.includes(watch.marker)) {
        watch.target = rec.rx;
        watch.recvAt = performance.now();
      } else watch.tail = text.slice(-watch.marker.length);
    } else if (bytes.includes(watch.code)) {
      watch.target = rec.rx;
      watch.recvAt = performance.now();
    }
  };

  class ProbedWebSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      const rec = { url: String(url), created: performance.now(), openedAt: null, rx: 0, acked: 0, ws: this };
      sockets.push(rec);
      this.__hdRec = rec;
      this.addEventListener('open', () => { rec.openedAt = performance.now(); });
      // Forget closed sockets: holding one would keep its closed tab's terminal alive and
      // show up as a leak in the heap rows (the socket's listeners reach the whole tab).
      this.addEventListener('close', () => {
        const at = sockets.indexOf(rec);
        if (at >= 0) sockets.splice(at, 1);
        rec.ws = null;
        if (watch && watch.rec === rec) watch = null;
      });
      this.addEventListener('message', (ev) => {
        if (typeof ev.data !== 'string') onBinary(rec, new Uint8Array(ev.data));
      });
    }
    send(data) {
      const rec = this.__hdRec;
      if (rec && typeof data === 'string' && data.startsWith('{"type":"resize"')) {
        try { const m = JSON.parse(data); rec.size = { cols: m.cols, rows: m.rows }; } catch (e) {}
      }
      if (rec && typeof data === 'string' && data.startsWith('{"type":"ack"')) {
        try { rec.acked += JSON.parse(data).bytes; } catch (e) {}
        super.send(data);
        // Everything received is drawn: the page now waits for the network (starved), not the other way round.
        if (watch && watch.rec === rec && watch.t0 !== null && watch.target === null && rec.acked >= rec.rx) watch.idleSince = performance.now();
        settle(rec);
        return;
      }
      super.send(data);
    }
  }
  window.WebSocket = ProbedWebSocket;

  // The terminal socket of the newest open tab: the newest open socket that carried terminal bytes.
  const terminalSocket = () => {
    for (let i = sockets.length - 1; i >= 0; i--) {
      const r = sockets[i];
      if (r.rx > 0 && r.ws && r.ws.readyState === NativeWebSocket.OPEN) return r;
    }
    throw new Error('no open terminal socket');
  };

  const arm = (w, timeoutMs) => {
    const rec = terminalSocket();
    let resolve;
    let reject;
    const done = new Promise((a, b) => { resolve = a; reject = b; });
    watch = Object.assign(w, { rec, rx0: rec.rx, t0: null, target: null, drawing: false, tail: '', idleSince: null, idleMs: 0, frames: 0, resolve });
    const timer = setTimeout(() => { if (watch === w) watch = null; reject(new Error(w.kind + ' not drawn within ' + timeoutMs + ' ms (keydown seen: ' + (w.t0 !== null) + ', target: ' + w.target + ', received ' + (rec.rx - w.rx0) + ' bytes, acked ' + rec.acked + ' of ' + rec.rx + ')')); }, timeoutMs);
    w.done = done.finally(() => clearTimeout(timer));
    // Keep a handled copy so a timeout nobody awaits is not an unhandled rejection.
    w.done.catch(() => {});
    armed = w;
  };

  window.__hdProbe = {
    /** When body[data-ready] turned true (ms after navigation start), the host rows drawn then, and the clock's origin (epoch ms). */
    ready: () => {
      const nav = performance.getEntriesByType('navigation')[0];
      const api = sockets[0];
      return {
        at: readyAt,
        hosts: hostsAtReady,
        timeOrigin: performance.timeOrigin,
        // Where the page's time goes: the document and scripts, the API socket, the book drawn.
        responseEnd: nav ? nav.responseEnd : null,
        domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
        apiCreated: api ? api.created : null,
        apiOpen: api ? api.openedAt : null,
        longestBeforeReady: longTasks.filter((t) => readyAt !== null && t.start <= readyAt).reduce((m, t) => Math.max(m, t.duration), 0),
      };
    },
    /** Arms a bulk run: from the next Enter keydown until marker is drawn. */
    armBulk: (marker, timeoutMs) => arm({ kind: 'bulk', marker }, timeoutMs),
    /** Arms an interrupt: from the next Ctrl+C keydown until marker (the prompt) is drawn. */
    armInterrupt: (marker, timeoutMs) => arm({ kind: 'interrupt', marker }, timeoutMs),
    /** The newest terminal's size in cells, as the page last told main (its resize frame). */
    terminalSize: () => terminalSocket().size || null,
    /** Arms one keystroke: from its keydown until the echoed character is drawn. */
    armKey: (key, timeoutMs) => arm({ kind: 'key', key, code: key.charCodeAt(0) }, timeoutMs),
    /** The armed run's result: {t0, end, bytes, ms} (page clock). */
    result: () => {
      if (!armed) throw new Error('nothing armed');
      return armed.done;
    },
    /** Longest long task (ms) that started in [from, to], and how many there were. */
    longTasks: (from, to) => {
      const hit = longTasks.filter((t) => t.start >= from && t.start <= to);
      return { max: hit.reduce((m, t) => Math.max(m, t.duration), 0), count: hit.length };
    },
    /** Which xterm renderer the visible tab uses (WebGL draws to a canvas, the DOM renderer to rows of spans). */
    renderer: () => {
      const panel = document.querySelector('[role=tabpanel]:not([hidden])');
      if (!panel) return 'none';
      return panel.querySelector('.xterm-rows') && panel.querySelector('.xterm-rows').children.length > 0 ? 'dom' : 'webgl';
    },
  };
})();`;

export interface ReadyInfo {
  /** body[data-ready] turned true, ms after navigation start. */
  at: number | null;
  /** Host rows in the tree at that moment. */
  hosts: number | null;
  timeOrigin: number;
  responseEnd: number | null;
  domContentLoaded: number | null;
  /** The page made its API WebSocket (its first). */
  apiCreated: number | null;
  /** The API WebSocket opened. */
  apiOpen: number | null;
  longestBeforeReady: number;
}

export interface DrawnResult {
  t0: number;
  end: number;
  bytes: number;
  ms: number;
  /** Keystrokes and interrupts: keydown → the frame carrying the echo (the prompt) reached the page. */
  receivedMs: number | null;
  /** Time the page had drawn everything it had received and waited for more bytes. */
  starvedMs: number;
  /** Binary frames (WebSocket messages) the page received between the keydown and the marker. */
  frames: number;
}

/** Typed access to window.__hdProbe; every call is a string so nothing of tsx leaks into the page. */
export class PageProbe {
  readonly #page: Page;

  constructor(page: Page) {
    this.#page = page;
  }

  static async install(page: Page): Promise<PageProbe> {
    await page.addInitScript({ content: PAGE_PROBE });
    return new PageProbe(page);
  }

  ready(): Promise<ReadyInfo> {
    return this.#page.evaluate('window.__hdProbe.ready()');
  }

  armBulk(marker: string, timeoutMs: number): Promise<void> {
    return this.#page.evaluate(`window.__hdProbe.armBulk(${JSON.stringify(marker)}, ${timeoutMs})`);
  }

  armInterrupt(marker: string, timeoutMs: number): Promise<void> {
    return this.#page.evaluate(`window.__hdProbe.armInterrupt(${JSON.stringify(marker)}, ${timeoutMs})`);
  }

  terminalSize(): Promise<{ cols: number; rows: number } | null> {
    return this.#page.evaluate('window.__hdProbe.terminalSize()');
  }

  armKey(key: string, timeoutMs: number): Promise<void> {
    return this.#page.evaluate(`window.__hdProbe.armKey(${JSON.stringify(key)}, ${timeoutMs})`);
  }

  result(): Promise<DrawnResult> {
    return this.#page.evaluate('window.__hdProbe.result()');
  }

  longTasks(from: number, to: number): Promise<{ max: number; count: number }> {
    return this.#page.evaluate(`window.__hdProbe.longTasks(${from}, ${to})`);
  }

  renderer(): Promise<string> {
    return this.#page.evaluate('window.__hdProbe.renderer()');
  }

  /** The visible terminal's text through the page's test hooks (the whole buffer: call rarely). */
  async terminalText(): Promise<string> {
    await loadTestHooks(this.#page);
    return this.#page.evaluate('window.__hostdeckTest.terminalText()');
  }

  /** The text of every terminal tab (hidden ones too), for waiting on prompts. */
  async allTerminalTexts(): Promise<string[]> {
    await loadTestHooks(this.#page);
    return this.#page.evaluate('window.__hostdeckTest.allTerminalTexts()');
  }
}
