// One SSH terminal: xterm.js wired to a gateway WebSocket speaking
// shared/terminal-protocol.ts. Modelled on xterm.js's AttachAddon (bytes
// both ways, everything disposable) plus its flow-control guide: we ack the
// bytes xterm has actually parsed, so main pauses the SSH channel when the
// page falls behind instead of buffering without bound.
import { Terminal, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import '@xterm/xterm/css/xterm.css';
import { Disposables, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import { ACK_EVERY_BYTES, MAX_ACK_IDLE_MS, type MainControlMessage } from '../../../shared/terminal-protocol.js';
import { pasteNeedsConfirmation, sanitizePaste } from '../../../shared/paste.js';
import { parseOsc7 } from '../files/files-model.js';
import { HOLD_PAINT, PaintPacer, RELEASE_PAINT } from './paint-pacer.js';
import type { TerminalRenderer } from './gl-renderer.js';

/** Half a cursor blink with the DOM renderer (ms): xterm.js's own blink is 600 ms on, 600 off. */
const BLINK_MS = 600;

export type TerminalEvent =
  /** Main opened the shell (its 'ready' frame): the tab is connected. */
  | { type: 'open' }
  | { type: 'exit'; code: number | null; signal: string | null }
  | { type: 'error'; code: string; message: string }
  | { type: 'closed'; code: number; reason: string };

export interface TerminalOptions {
  fontFamily: string;
  fontSize: number;
  theme: ITheme;
  /** WebGL, or xterm.js's DOM renderer (gl-renderer.ts chooseRenderer); WebGL falls back to DOM when it fails. */
  renderer: TerminalRenderer;
  /** Asks the person before a link opens; resolves true to open it. */
  confirmLink(url: string): Promise<boolean>;
  /** Asks the person before a multi-line or large paste is sent; resolves true to send it. */
  confirmPaste(text: string): Promise<boolean>;
  onEvent(ev: TerminalEvent): void;
  /** The shell reported its current folder (OSC 7, file://host/path): the files panel can follow it. */
  onCwd?(dir: { host: string; path: string }): void;
}

export class TerminalSession {
  readonly terminal: Terminal;
  readonly search: SearchAddon;
  readonly #fit = new FitAddon();
  readonly #d = new Disposables();
  #opts: TerminalOptions;
  #ws: WebSocket | null = null;
  #drawnUnacked = 0;
  #pendingWrites = 0;
  /** Since when xterm.js has written all it was given and waits for more (performance.now() ms), or null. */
  #idleSince: number | null = null;
  /** How long it waited since the last ack (ms): main grows the bytes in flight only for a page that waits. */
  #idleMs = 0;
  readonly #pacer = new PaintPacer();
  #releaseTimer: ReturnType<typeof setTimeout> | null = null;
  #releaseTimerAt = 0;
  /** The pacer ended a hold while the output stood inside a control sequence: RELEASE_PAINT waits for a boundary. */
  #releasePending = false;
  #ended = false;
  #webgl = false;
  #blinkTimer: ReturnType<typeof setInterval> | null = null;
  readonly #searchBar: HTMLElement;

  constructor(container: HTMLElement, opts: TerminalOptions) {
    this.#opts = opts;
    this.terminal = new Terminal({
      allowProposedApi: true, // Unicode11Addon needs the unicode API
      fontFamily: opts.fontFamily,
      fontSize: opts.fontSize,
      theme: opts.theme,
      scrollback: 10_000,
      cursorBlink: true,
      macOptionIsMeta: true,
      // OSC 8 hyperlinks go through the same confirmation as plain URLs.
      linkHandler: { activate: (_ev, uri) => void this.#openLink(uri), allowNonHttpProtocols: false },
      // Keeps bright yellow/white/cyan readable on the light theme (and dim text on dark).
      minimumContrastRatio: 4.5,
    });
    this.search = new SearchAddon();
    this.terminal.loadAddon(this.#fit);
    this.terminal.loadAddon(this.search);
    this.terminal.loadAddon(new Unicode11Addon());
    this.terminal.unicode.activeVersion = '11';
    this.terminal.loadAddon(new WebLinksAddon((_ev, uri) => void this.#openLink(uri)));
    this.terminal.open(container);
    this.#searchBar = this.#makeSearchBar();
    container.append(this.#searchBar);
    if (opts.renderer === 'webgl') this.#loadWebgl();
    if (!this.#webgl) this.#blinkByClass();
    this.#d.add(() => this.terminal.dispose());
    this.#d.add(
      this.terminal.onRender(() => {
        this.#pacer.painted(performance.now());
      }).dispose,
    );
    this.#d.add(() => {
      if (this.#releaseTimer) clearTimeout(this.#releaseTimer);
    });
    this.#d.add(this.terminal.onData((data) => this.#send(new TextEncoder().encode(data))).dispose);
    this.#d.add(
      this.terminal.onBinary((data) => this.#send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff))).dispose,
    );
    this.#d.add(this.terminal.onResize(({ cols, rows }) => this.#control({ type: 'resize', cols, rows })).dispose);
    this.terminal.attachCustomKeyEventHandler((ev) => this.#shortcutKey(ev));
    this.#interceptPastes(container);
    this.#d.add(this.terminal.parser.registerOscHandler(7, (data) => this.#reportCwd(data)).dispose);
    const observer = new ResizeObserver(() => this.fit());
    observer.observe(container);
    this.#d.add(() => observer.disconnect());
  }

  /**
   * Sends pasted text to the shell: without control characters (shared/
   * paste.ts), and after asking when it spans lines or is large. Every paste
   * path ends here: the paste event (Ctrl+Shift+V, Shift+Insert, the context
   * menu, the desktop menu's Paste) and text dropped on the terminal.
   * Resolves true when it was sent.
   */
  async paste(raw: string): Promise<boolean> {
    const { text } = sanitizePaste(raw);
    if (text === '') return false;
    if (pasteNeedsConfirmation(text) && !(await this.#opts.confirmPaste(text))) {
      this.focus();
      return false;
    }
    // xterm adds the bracketed-paste markers when the shell asked for them.
    this.terminal.paste(text);
    this.focus();
    return true;
  }

  /** Takes paste and drop events before xterm's textarea sees them (capture phase). */
  #interceptPastes(container: HTMLElement): void {
    const onPaste = (ev: ClipboardEvent): void => {
      ev.preventDefault();
      ev.stopImmediatePropagation();
      void this.paste(ev.clipboardData?.getData('text/plain') ?? '');
    };
    // A text dropped on the textarea would otherwise be typed in as is.
    const onDragOver = (ev: DragEvent): void => {
      if (ev.dataTransfer?.types.includes('text/plain')) ev.preventDefault();
    };
    const onDrop = (ev: DragEvent): void => {
      const text = ev.dataTransfer?.getData('text/plain') ?? '';
      ev.preventDefault();
      ev.stopImmediatePropagation();
      void this.paste(text);
    };
    container.addEventListener('paste', onPaste, { capture: true });
    container.addEventListener('dragover', onDragOver, { capture: true });
    container.addEventListener('drop', onDrop, { capture: true });
    this.#d.add(() => {
      container.removeEventListener('paste', onPaste, { capture: true });
      container.removeEventListener('dragover', onDragOver, { capture: true });
      container.removeEventListener('drop', onDrop, { capture: true });
    });
  }

  /** OSC 7 "current directory" (VTE, macOS Terminal); handled (true) even when malformed, so it never prints. */
  #reportCwd(data: string): boolean {
    const dir = parseOsc7(data);
    if (dir) this.#opts.onCwd?.(dir);
    return true;
  }

  /** Attaches to a gateway ticket URL. */
  connect(url: string): void {
    this.#closeSocket();
    this.#ended = false;
    this.#drawnUnacked = 0;
    this.#idleSince = null;
    this.#idleMs = 0;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    // The socket opens before main has the shell; 'open' waits for main's 'ready'.
    ws.addEventListener('open', () => {
      this.#control({ type: 'resize', cols: this.terminal.cols, rows: this.terminal.rows });
    });
    ws.addEventListener('message', (ev: MessageEvent<ArrayBuffer | string>) => {
      if (typeof ev.data === 'string') this.#readControl(ev.data);
      else this.#write(new Uint8Array(ev.data));
    });
    ws.addEventListener('close', (ev) => {
      if (this.#ws === ws) this.#ws = null;
      if (!this.#ended) this.#opts.onEvent({ type: 'closed', code: ev.code, reason: ev.reason });
    });
  }

  fit(): void {
    if (this.terminal.element?.offsetParent === null) return; // hidden tab: fit when shown
    try {
      this.#fit.fit();
    } catch {
      // Not laid out yet.
    }
  }

  /**
   * Prints a line from Hostdeck (not from the server) in the terminal, in
   * grey (SGR 90), not dimmed (SGR 2): dim text is drawn at half opacity after
   * xterm.js's minimumContrastRatio has lifted its colour, so it fell below
   * 4.5:1; grey is lifted to 4.5:1 like any colour.
   */
  notice(text: string): void {
    this.terminal.write(`\r\n\x1b[90m${text.replace(/[\x00-\x1f\x7f]/g, ' ')}\x1b[0m\r\n`);
  }

  /** New colours or font for an open terminal (settings changed). */
  setLook(look: { fontFamily: string; fontSize: number; theme: ITheme }): void {
    this.#opts.fontSize = look.fontSize;
    this.terminal.options.theme = look.theme;
    this.terminal.options.fontFamily = look.fontFamily;
    this.terminal.options.fontSize = look.fontSize;
    this.fit();
  }

  zoom(step: 1 | -1 | 0, base: number): void {
    const size = step === 0 ? base : Math.min(40, Math.max(6, (this.terminal.options.fontSize ?? base) + step));
    this.terminal.options.fontSize = size;
    this.fit();
  }

  focus(): void {
    this.terminal.focus();
  }

  /** The buffer as text, one line per row (for the status view and tests). */
  text(): string {
    const buf = this.terminal.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  dispose(): void {
    this.#ended = true;
    this.#closeSocket();
    this.#d.dispose();
  }

  #closeSocket(): void {
    const ws = this.#ws;
    this.#ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'tab closed');
  }

  /**
   * The DOM renderer blinks its cursor with a CSS animation of colours, which
   * Chromium runs on the main thread every frame while the terminal has
   * focus: keydown → echo drawn went from 7 to 29 ms (p50, xterm.js alone in
   * headless Chromium, same sshd). So with the DOM renderer the cursor blinks
   * by a class switched every BLINK_MS (styles.css, .hd-cursor-off): one
   * style change per switch, none per frame. It shows steadily again at each
   * key and each move of the cursor, as xterm.js's own blink does.
   */
  #blinkByClass(): void {
    if (this.#blinkTimer) return;
    this.terminal.options.cursorBlink = false;
    const element = this.terminal.element;
    if (!element) return;
    const classes = element.classList;
    // Off for the next half only when it is on now and the terminal has focus.
    const tick = (): void => {
      classes.toggle('hd-cursor-off', !classes.contains('hd-cursor-off') && classes.contains('focus'));
    };
    // Runs at each parsed chunk of a flood (cursor moves): touch the class only when it is set.
    const restart = (): void => {
      if (classes.contains('hd-cursor-off')) classes.remove('hd-cursor-off');
      if (this.#blinkTimer) clearInterval(this.#blinkTimer);
      this.#blinkTimer = setInterval(tick, BLINK_MS);
    };
    restart();
    this.#d.add(this.terminal.onCursorMove(restart).dispose);
    this.#d.add(this.terminal.onData(restart).dispose);
    this.#d.add(() => {
      if (this.#blinkTimer) clearInterval(this.#blinkTimer);
    });
  }

  #loadWebgl(): void {
    // WebGL is much faster for busy output on a GPU; fall back to the DOM
    // renderer when it fails to load or its context is lost.
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        this.#webgl = false;
        this.#blinkByClass();
        webgl.dispose();
      });
      this.terminal.loadAddon(webgl);
      this.#webgl = true;
    } catch {
      // DOM renderer it is.
    }
  }

  /**
   * Writes the shell's output to xterm.js and acks it once parsed. In a flood
   * the paint pacer (paint-pacer.ts) holds paints; while it does, the
   * terminal element carries data-paint-held, so a test or bench that waits
   * for bytes to be on screen waits for it to go, then for a frame.
   */
  #write(bytes: Uint8Array): void {
    const now = performance.now();
    if (this.#idleSince !== null) {
      this.#idleMs += now - this.#idleSince;
      this.#idleSince = null;
    }
    if (this.#pacer.received(now, bytes)) {
      this.#releasePending = false;
      this.terminal.element?.setAttribute('data-paint-held', '');
      this.terminal.write(HOLD_PAINT);
      this.#armRelease();
    }
    this.#pendingWrites++;
    this.terminal.write(bytes, () => {
      this.#pendingWrites--;
      this.#drawnUnacked += bytes.length;
      const drained = this.#pendingWrites === 0;
      // Ack every ACK_EVERY_BYTES drawn, or when xterm's queue drains.
      if (this.#drawnUnacked >= ACK_EVERY_BYTES || drained) this.#ack();
      if (!drained) return;
      this.#idleSince = performance.now();
      if (this.#pacer.drained(performance.now())) {
        this.#release();
      } else this.#armRelease();
    });
    if (this.#releasePending && this.#pacer.atBoundary) this.#release();
  }

  #ack(): void {
    if (this.#drawnUnacked === 0) return;
    this.#control({
      type: 'ack',
      bytes: this.#drawnUnacked,
      idle: Math.min(MAX_ACK_IDLE_MS, Math.round(this.#idleMs)),
    });
    this.#drawnUnacked = 0;
    this.#idleMs = 0;
  }

  /**
   * Ends a hold: in band, after the bytes already written; the rows are
   * painted in the frame after. Inside one of the program's control
   * sequences it waits for the next chunk that ends outside one (xterm.js
   * itself ends a synchronized update after 1 s, should none come).
   */
  #release(): void {
    this.#releasePending = !this.#pacer.atBoundary;
    if (this.#releasePending) return;
    this.terminal.write(RELEASE_PAINT, () => {
      if (!this.#pacer.holding) this.terminal.element?.removeAttribute('data-paint-held');
    });
  }

  /** Has due() called at the pacer's releaseAt (sooner when it moved earlier). */
  #armRelease(): void {
    const at = this.#pacer.releaseAt;
    if (at === null || (this.#releaseTimer && this.#releaseTimerAt <= at)) return;
    if (this.#releaseTimer) clearTimeout(this.#releaseTimer);
    this.#releaseTimerAt = at;
    this.#releaseTimer = setTimeout(
      () => {
        this.#releaseTimer = null;
        if (this.#pacer.due(performance.now())) {
          this.#release();
        } else this.#armRelease();
      },
      Math.max(0, at - performance.now()),
    );
  }

  #readControl(text: string): void {
    let msg: MainControlMessage;
    try {
      msg = JSON.parse(text) as MainControlMessage;
    } catch {
      return;
    }
    if (msg.type === 'ready') {
      this.#opts.onEvent({ type: 'open' });
    } else if (msg.type === 'exit') {
      this.#ended = true;
      this.#opts.onEvent({
        type: 'exit',
        code: typeof msg.code === 'number' ? msg.code : null,
        signal: typeof msg.signal === 'string' ? msg.signal : null,
      });
    } else if (msg.type === 'error') {
      this.#ended = true;
      this.#opts.onEvent({ type: 'error', code: String(msg.code), message: String(msg.message) });
    }
  }

  #send(bytes: Uint8Array<ArrayBuffer>): void {
    this.#pacer.input(performance.now());
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(bytes);
  }

  #control(msg: object): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(msg));
  }

  async #openLink(uri: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    if (await this.#opts.confirmLink(url.href)) window.open(url.href, '_blank', 'noopener,noreferrer');
  }

  /** Opens the find bar (Ctrl+Shift+F), as in VS Code's and Tabby's terminals. */
  openSearch(): void {
    this.#searchBar.hidden = false;
    const input = this.#searchBar.querySelector('input');
    input?.focus();
    input?.select();
  }

  #makeSearchBar(): HTMLElement {
    const input = el('input', {
      attrs: { type: 'search', 'aria-label': t('search.label'), placeholder: t('search.label') },
    });
    const count = el('span', { class: 'search-count', attrs: { 'aria-live': 'polite' } });
    // Decorations make the addon count matches (onDidChangeResults) and mark them in the scrollbar.
    const decorations = {
      matchBackground: '#6b5a00',
      matchOverviewRuler: '#b38f00',
      activeMatchBackground: '#b36b00',
      activeMatchColorOverviewRuler: '#ff9f1a',
    };
    this.#d.add(
      this.search.onDidChangeResults(({ resultIndex, resultCount }) => {
        count.textContent = !input.value
          ? ''
          : resultCount === 0
            ? t('search.none')
            : t('search.count', { index: resultIndex + 1, count: resultCount });
      }).dispose,
    );
    const find = (forward: boolean): void => {
      if (!input.value) return;
      if (forward) this.search.findNext(input.value, { incremental: false, decorations });
      else this.search.findPrevious(input.value, { decorations });
    };
    const close = (): void => {
      bar.hidden = true;
      this.search.clearDecorations();
      this.terminal.clearSelection();
      this.focus();
    };
    input.addEventListener('input', () => {
      if (input.value) this.search.findNext(input.value, { incremental: true, decorations });
      else {
        this.search.clearDecorations();
        count.textContent = '';
      }
    });
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') find(!ev.shiftKey);
      else if (ev.key === 'Escape') close();
    });
    const bar = el(
      'div',
      { class: 'terminal-search', attrs: { role: 'search', hidden: true } },
      input,
      count,
      el('button', {
        text: '↑',
        attrs: { type: 'button', 'aria-label': t('search.previous'), title: t('search.previous') },
        on: { click: () => find(false) },
      }),
      el('button', {
        text: '↓',
        attrs: { type: 'button', 'aria-label': t('search.next'), title: t('search.next') },
        on: { click: () => find(true) },
      }),
      el('button', {
        text: t('dialog.close'),
        attrs: { type: 'button', 'aria-label': t('search.close'), title: t('search.close') },
        on: { click: close },
      }),
    );
    return bar;
  }

  /** Copy/paste, find and zoom shortcuts; returning false keeps the key from the shell. */
  #shortcutKey(ev: KeyboardEvent): boolean {
    if (ev.type !== 'keydown' || !ev.ctrlKey) return true;
    if (ev.shiftKey && (ev.key === 'F' || ev.key === 'f')) {
      this.openSearch();
      return false;
    }
    if (ev.shiftKey && (ev.key === 'C' || ev.key === 'c')) {
      const text = this.terminal.getSelection();
      if (text) void navigator.clipboard?.writeText(text);
      return false;
    }
    if (ev.shiftKey && (ev.key === 'V' || ev.key === 'v')) {
      // Not handled here: the browser's own paste (serve mode) or the menu's
      // Paste (desktop) delivers a paste event to xterm's textarea. Reading
      // the clipboard from script would need a permission we never grant.
      return false;
    }
    if (!ev.shiftKey && (ev.key === '=' || ev.key === '+' || ev.key === '-' || ev.key === '0')) {
      this.zoom(ev.key === '0' ? 0 : ev.key === '-' ? -1 : 1, this.#opts.fontSize);
      return false;
    }
    return true;
  }
}
