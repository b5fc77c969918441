// One tab's life: ask main to open the session (sessions.open does the
// login, asking through prompts), attach the terminal or desktop to the
// ticket URL, show status, and offer reconnect. Closing the tab closes the
// WebSocket, which ends the shell or tunnel in main and frees its connection.
import { clear, downloadBlob, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import { ApiCallError, type ApiClient } from '../api/client.js';
import type { SessionTicket } from '../../../shared/api/contract.js';
import { describeGatewayClose } from '../../../shared/gateway-protocol.js';
import type { VncOptions } from '../../../shared/model/host.js';
import { TerminalSession } from '../terminal/terminal-session.js';
import { VncSession, KEYS, type VncScaling } from '../vnc/vnc-session.js';
import { vncSecurityText } from '../vnc/security-text.js';
import type { TabStatus } from './tab-strip.js';
import { confirmDialog, formRow } from './dialogs.js';
import { showHostKeyChanged } from './prompts.js';

export interface TerminalLook {
  fontFamily: string;
  fontSize: number;
  dark: boolean;
}

export interface SessionTabOptions {
  api: ApiClient;
  title: string;
  /** The host's own name, for numbering several tabs to it. */
  baseTitle?: string;
  kind: 'ssh' | 'vnc';
  /** Opens (or reopens) the session in main; `openId` ties prompts to this tab. */
  open(openId: string, size: { cols: number; rows: number }): Promise<SessionTicket>;
  look: TerminalLook;
  vnc?: VncOptions;
  onStatus(status: TabStatus): void;
  onTitle(title: string): void;
  /** The open succeeded (quick connect offers to save the host). */
  onConnected?(ticket: SessionTicket): void;
}

let openCounter = 0;

const darkTheme = { background: '#17181c', foreground: '#e4e6eb', cursor: '#7aa5f5', selectionBackground: '#3a4a6b' };
const lightTheme = { background: '#ffffff', foreground: '#1d2026', cursor: '#2f6fde', selectionBackground: '#c7d6f5' };

export class SessionTab {
  readonly panel: HTMLElement;
  readonly #opts: SessionTabOptions;
  readonly #surface: HTMLElement;
  readonly #banner: HTMLElement;
  #terminal: TerminalSession | null = null;
  #vnc: VncSession | null = null;
  #sessionId: string | null = null;
  #openId: string | null = null;
  #closed = false;

  constructor(opts: SessionTabOptions) {
    this.#opts = opts;
    this.#surface = el('div', { class: `session-surface session-${opts.kind}` });
    this.#banner = el('div', { class: 'session-banner', attrs: { role: 'status', 'aria-live': 'polite' } });
    this.panel = el('div', { class: 'session' });
    if (opts.kind === 'vnc') this.panel.append(this.#vncToolbar());
    this.panel.append(this.#banner, this.#surface);
    if (opts.kind === 'ssh') {
      // The surface takes the terminal's background, so the part below the
      // last whole row is not a strip of another colour.
      this.#surface.style.background = (opts.look.dark ? darkTheme : lightTheme).background;
      this.#terminal = new TerminalSession(this.#surface, {
        fontFamily: opts.look.fontFamily,
        fontSize: opts.look.fontSize,
        theme: opts.look.dark ? darkTheme : lightTheme,
        confirmLink: (url) => confirmDialog(t('session.linkConfirm.title'), t('session.linkConfirm.body', { url }), t('session.linkConfirm.ok')),
        onEvent: (ev) => {
          if (ev.type === 'open') this.#status('connected');
          else if (ev.type === 'exit') this.#ended(exitText(ev.code, ev.signal));
          else if (ev.type === 'error') this.#ended(ev.message);
          else this.#ended(t('session.closed', { reason: describeGatewayClose(ev.code, ev.reason) }));
        },
      });
      // Read-only access to what the terminal shows, for tests (WebGL draws to a canvas).
      const term = this.#terminal;
      Object.defineProperty(this.panel, 'hostdeckText', { value: () => term.text() });
      Object.defineProperty(this.panel, 'hostdeckSelection', { value: () => term.terminal.getSelection() });
      // Enter in a dead terminal reconnects, as in Windows Terminal and Tabby.
      this.#terminal.terminal.onKey(({ domEvent }) => {
        if (domEvent.key === 'Enter' && this.#sessionId === null && this.#openId === null && !this.#closed) void this.connect();
      });
    } else {
      const v = opts.vnc ?? { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true };
      this.#vnc = new VncSession(this.#surface, {
        ...v,
        onEvent: (ev) => {
          if (ev.type === 'connect') this.#status('connected');
          else if (ev.type === 'disconnect') this.#ended(t(ev.clean ? 'vnc.closed' : 'vnc.lost'));
          else if (ev.type === 'rate' && this.#rateLine) this.#rateLine.textContent = t('vnc.rate', { rate: formatBytes(ev.bytesPerSecond) });
          else if (ev.type === 'desktopname' && ev.name) opts.onTitle(`${opts.title} — ${ev.name}`);
          else if (ev.type === 'clipboard') this.#clipboardIn(ev.text);
          else if (ev.type === 'securityfailure') this.#ended(ev.reason || `security failure ${ev.status}`);
          else if (ev.type === 'credentialsrequired') this.#askCredentials(ev.types);
        },
      });
    }
  }

  async connect(): Promise<void> {
    if (this.#closed) return;
    this.#teardownSession();
    this.#status('connecting');
    this.#banner.textContent = t('session.connecting', { name: this.#opts.title });
    const openId = `open-${Date.now().toString(36)}-${++openCounter}`;
    this.#openId = openId;
    const size = this.#terminal ? { cols: this.#terminal.terminal.cols, rows: this.#terminal.terminal.rows } : { cols: 80, rows: 24 };
    try {
      const ticket = await this.#opts.open(openId, size);
      if (this.#closed || this.#openId !== openId) {
        void this.#opts.api.call('sessions.close', ticket.sessionId).catch(() => undefined);
        return;
      }
      this.#openId = null;
      this.#sessionId = ticket.sessionId;
      this.#banner.textContent = '';
      this.#showVncSecurity(ticket);
      this.#terminal?.connect(ticket.url);
      this.#vnc?.connect(ticket.url);
      this.#opts.onConnected?.(ticket);
      this.focus();
    } catch (err) {
      this.#openId = null;
      if (this.#closed) return;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof ApiCallError && err.code === 'HOST_KEY_CHANGED' && err.details) showHostKeyChanged(err.details, String(err.details['host'] ?? this.#opts.title));
      this.#ended(`${t('session.failed', { name: this.#opts.title })}: ${message}`);
    }
  }

  /** Settings changed: new theme or font for an open terminal. */
  applyLook(look: TerminalLook): void {
    const theme = look.dark ? darkTheme : lightTheme;
    if (!this.#terminal) return;
    this.#surface.style.background = theme.background;
    this.#terminal.setLook({ fontFamily: look.fontFamily, fontSize: look.fontSize, theme });
  }

  get baseTitle(): string {
    return this.#opts.baseTitle ?? this.#opts.title;
  }

  show(): void {
    this.#terminal?.fit();
    this.focus();
  }

  focus(): void {
    this.#terminal?.focus();
    this.#vnc?.focus();
  }

  close(): void {
    this.#closed = true;
    if (this.#openId) void this.#opts.api.call('sessions.cancel', this.#openId).catch(() => undefined);
    this.#teardownSession();
    this.#terminal?.dispose();
    this.#vnc?.dispose();
  }

  #teardownSession(): void {
    const id = this.#sessionId;
    this.#sessionId = null;
    this.#vnc?.disconnect();
    if (id) void this.#opts.api.call('sessions.close', id).catch(() => undefined);
  }

  #status(s: TabStatus): void {
    this.panel.dataset['status'] = s;
    this.#opts.onStatus(s);
  }

  #ended(message: string): void {
    if (this.#closed) return;
    this.#sessionId = null;
    this.#status('disconnected');
    if (this.#terminal) {
      this.#terminal.notice(`${message}`);
      this.#terminal.notice(t('session.reconnectHint'));
    } else if (this.#rateLine) {
      this.#rateLine.textContent = '';
    }
    // The reason, in full, above the session, with a Reconnect button that
    // the keyboard reaches (the tab's own ⟳ is for the mouse).
    clear(this.#banner);
    this.#banner.append(
      el('span', { text: this.#terminal ? message : `${message} ${t('vnc.reconnectHint')}` }),
      el('button', { text: t('tabs.reconnect'), class: 'primary', attrs: { type: 'button' }, on: { click: () => void this.connect() } }),
    );
  }

  #showVncSecurity(ticket: SessionTicket): void {
    if (!ticket.vnc || !this.#securityLine) return;
    const v = ticket.vnc;
    this.#securityLine.textContent = vncSecurityText(v);
    this.#securityLine.dataset['encrypted'] = String(v.encrypted);
    this.#securityLine.dataset['wire'] = v.wire;
  }

  #securityLine: HTMLElement | null = null;
  #rateLine: HTMLElement | null = null;
  #clipboardText: HTMLTextAreaElement | null = null;

  #clipboardIn(text: string): void {
    if (this.#clipboardText) this.#clipboardText.value = text;
    // Where the browser allows it, the remote clipboard lands in the local one too.
    void navigator.clipboard?.writeText(text).catch(() => undefined);
  }

  #vncToolbar(): HTMLElement {
    const v = this.#opts.vnc;
    const scaling = el(
      'select',
      { attrs: { 'aria-label': t('vnc.scaling') } },
      ...(['scale', 'remote', 'none'] as const).map((s) => el('option', { text: t(`editor.scaling.${s}`), attrs: { value: s, selected: (v?.scaling ?? 'scale') === s } })),
    );
    scaling.addEventListener('change', () => this.#vnc && (this.#vnc.scaling = scaling.value as VncScaling));
    const viewOnly = el('input', { attrs: { type: 'checkbox', checked: v?.viewOnly ?? false } });
    viewOnly.addEventListener('change', () => this.#vnc && (this.#vnc.viewOnly = viewOnly.checked));
    const button = (label: string, run: () => void): HTMLButtonElement => el('button', { text: label, attrs: { type: 'button' }, on: { click: run } });
    const chord = (...names: Array<keyof typeof KEYS>): (() => void) => () => this.#vnc?.sendChord(names.map((n) => KEYS[n]));
    const keys = el(
      'select',
      { attrs: { 'aria-label': t('vnc.keys') } },
      el('option', { text: t('vnc.keys'), attrs: { value: '' } }),
      el('option', { text: t('vnc.key.ctrlEsc'), attrs: { value: 'ctrlEsc' } }),
      el('option', { text: t('vnc.key.altTab'), attrs: { value: 'altTab' } }),
      el('option', { text: t('vnc.key.altF4'), attrs: { value: 'altF4' } }),
      el('option', { text: t('vnc.key.super'), attrs: { value: 'super' } }),
      el('option', { text: t('vnc.key.printScreen'), attrs: { value: 'print' } }),
    );
    const sends: Record<string, () => void> = {
      ctrlEsc: chord('ControlL', 'Escape'),
      altTab: chord('AltL', 'Tab'),
      altF4: chord('AltL', 'F4'),
      super: chord('SuperL'),
      print: chord('Print'),
    };
    keys.addEventListener('change', () => {
      sends[keys.value]?.();
      keys.value = '';
      this.focus();
    });
    this.#clipboardText = el('textarea', { attrs: { rows: 2, 'aria-label': t('vnc.clipboard.label') } });
    const clip = el(
      'details',
      { class: 'vnc-clipboard' },
      el('summary', { text: t('vnc.clipboard') }),
      // A popover, so the toolbar does not reflow under it while it is open.
      el('div', { class: 'clip-panel' }, this.#clipboardText, button(t('vnc.clipboard.send'), () => this.#vnc?.pasteText(this.#clipboardText?.value ?? ''))),
    );
    this.#securityLine = el('span', { class: 'vnc-security' });
    this.#rateLine = el('span', { class: 'vnc-rate', attrs: { title: t('vnc.rateTitle') } });
    return el(
      'div',
      { class: 'vnc-toolbar', attrs: { role: 'toolbar', 'aria-label': t('vnc.toolbar') } },
      scaling,
      el('label', { class: 'inline' }, viewOnly, ` ${t('vnc.viewOnly')}`),
      button(t('vnc.ctrlAltDel'), () => this.#vnc?.sendCtrlAltDel()),
      keys,
      clip,
      button(t('vnc.fullscreen'), () => void this.#surface.requestFullscreen?.().catch(() => undefined)),
      button(t('vnc.screenshot'), () => void this.#screenshot()),
      this.#securityLine,
      this.#rateLine,
    );
  }

  /**
   * Pass-through servers (ARD, MS-Logon…) log in inside noVNC, so only here
   * does the page ask for a VNC password; main never sees these types.
   */
  #askCredentials(types: string[]): void {
    clear(this.#banner);
    const fields: Array<[string, HTMLInputElement]> = [];
    if (types.includes('username')) fields.push(['username', el('input', { attrs: { type: 'text', autocomplete: 'username' } })]);
    if (types.includes('password') || fields.length === 0) fields.push(['password', el('input', { attrs: { type: 'password', autocomplete: 'current-password' } })]);
    const form = el(
      'form',
      { class: 'vnc-credentials', attrs: { 'aria-label': t('vnc.credentials') } },
      el('p', { text: t('vnc.passthrough') }),
      ...fields.map(([kind, input]) => formRow(t(kind === 'username' ? 'vnc.credentials.username' : 'vnc.credentials.password'), input)),
      el('button', { text: t('vnc.credentials.send'), attrs: { type: 'submit' } }),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const creds: { username?: string; password?: string } = {};
      for (const [kind, input] of fields) creds[kind === 'username' ? 'username' : 'password'] = input.value;
      clear(this.#banner);
      this.#vnc?.sendCredentials(creds);
      this.focus();
    });
    this.#banner.append(form);
    fields[0]?.[1].focus();
  }

  async #screenshot(): Promise<void> {
    const blob = await this.#vnc?.screenshot();
    if (!blob) return;
    downloadBlob(blob, `${this.#opts.title.replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
  }

  /** For tests and the status line. */
  get surface(): HTMLElement {
    return this.#surface;
  }

  clearBanner(): void {
    clear(this.#banner);
  }
}

/** Bytes per second as a person reads it (B, KB, MB; 1 KB = 1024 B). */
function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The tab's words for an exit frame (shared/terminal-protocol.ts ExitMessage). */
function exitText(code: number | null, signal: string | null): string {
  if (signal !== null) return t('session.exitedSignal', { signal });
  if (code !== null) return t('session.exited', { code });
  return t('session.channelClosed');
}
