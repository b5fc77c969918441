// An SSH tab: an xterm.js terminal (terminal/terminal-session.ts) on the
// gateway ticket main issues, with the shell's end written into the
// terminal and Enter in a dead terminal reconnecting, as in Windows Terminal
// and Tabby.
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import { closeErrorCode, describeGatewayClose } from '../../../shared/gateway-protocol.js';
import { TerminalSession, type TerminalEvent } from '../terminal/terminal-session.js';
import { chooseRenderer } from '../terminal/gl-renderer.js';
import { confirmDialog } from './dialogs.js';
import { loadLocalSettings } from './local-settings.js';
import { pasteLines } from '../../../shared/paste.js';
import { LifecycleTab } from './lifecycle-tab.js';
import { mayRetry } from './auto-reconnect.js';
import type { SessionTabOptions, TerminalLook, TerminalReadout } from './session-tab.js';
import type { SessionTicket } from '../../../shared/api/contract.js';
import { FilesDock } from '../files/files-dock.js';
import type { SftpOpenTarget } from '../../../shared/sftp.js';

export interface SshTabOptions extends SessionTabOptions {
  look: TerminalLook;
}

const darkTheme = { background: '#17181c', foreground: '#e4e6eb', cursor: '#7aa5f5', selectionBackground: '#3a4a6b' };
const lightTheme = { background: '#ffffff', foreground: '#1d2026', cursor: '#2f6fde', selectionBackground: '#c7d6f5' };

/** Asks before a multi-line or large paste, unless the person turned that off in settings. */
function confirmPaste(text: string): Promise<boolean> {
  if (!loadLocalSettings().confirmPaste) return Promise.resolve(true);
  const lines = pasteLines(text);
  const shown = lines.slice(0, 6).map((l) => (l.length > 100 ? `${l.slice(0, 100)}…` : l));
  const body = [
    t('paste.confirm.body', { lines: lines.length, chars: text.length }),
    ...shown,
    ...(lines.length > shown.length ? ['…'] : []),
  ].join('\n');
  return confirmDialog(t('paste.confirm.title'), body, t('paste.confirm.ok'));
}

export class SshTab extends LifecycleTab {
  readonly kind = 'ssh';
  readonly element: HTMLElement;
  readonly readout: TerminalReadout;
  readonly #opts: SshTabOptions;
  readonly #surface = el('div', { class: 'session-surface session-ssh' });
  readonly #terminal: TerminalSession;
  readonly #files: FilesDock;
  #sessionId: string | null = null;
  #shellDir: string | null = null;

  constructor(opts: SshTabOptions) {
    super(opts);
    this.#opts = opts;
    const d = this.disposables;
    this.#files = new FilesDock(this.#surface, {
      api: opts.api,
      targets: () => this.#filesTargets(),
      shellDir: () => this.#shellDir,
      onLayout: () => this.#terminal.fit(),
    });
    d.add(() => this.#files.dispose());
    this.#files.button.addEventListener('click', () => this.toggleFiles());
    // Ctrl+Shift+E (the files panel, as VS Code's explorer): taken before xterm sees it.
    d.listen(document, 'keydown', (ev) => this.#filesShortcut(ev as KeyboardEvent), { capture: true });
    this.element = el(
      'div',
      { class: 'session' },
      this.life.banner,
      el('div', { class: 'files-tabbar' }, this.#files.button),
      this.#files.element,
    );
    const theme = opts.look.dark ? darkTheme : lightTheme;
    // The surface takes the terminal's background, so the part below the
    // last whole row is not a strip of another colour.
    this.#surface.style.background = theme.background;
    this.#terminal = new TerminalSession(this.#surface, {
      fontFamily: opts.look.fontFamily,
      fontSize: opts.look.fontSize,
      theme,
      renderer: chooseRenderer(loadLocalSettings().terminalRenderer),
      confirmLink: (url) =>
        confirmDialog(
          t('session.linkConfirm.title'),
          t('session.linkConfirm.body', { url }),
          t('session.linkConfirm.ok'),
        ),
      confirmPaste: (text) => confirmPaste(text),
      onEvent: (ev) => this.#terminalOnEvent(ev),
      onCwd: (dir) => {
        this.#shellDir = dir.path;
        this.#files.shellDirChanged();
      },
    });
    d.add(() => this.#terminal.dispose());
    const term = this.#terminal.terminal;
    const keys = term.onKey(({ domEvent }) => {
      if (domEvent.key === 'Enter' && this.life.state === 'ended') void this.connect();
    });
    d.add(() => keys.dispose());
    this.readout = { text: () => this.#terminal.text(), selection: () => term.getSelection() };
  }

  surfaceSize(): { cols: number; rows: number } {
    return { cols: this.#terminal.terminal.cols, rows: this.#terminal.terminal.rows };
  }

  /** A new shell: after a reconnect the terminal says so first, since the old shell and what ran in it are gone. */
  attachSurface(ticket: SessionTicket, again: boolean): void {
    this.#sessionId = ticket.sessionId;
    if (again)
      this.#terminal.notice(
        t(ticket.keptShell ? 'session.keptShell' : 'session.newShell', { name: ticket.keptShell ?? '' }),
      );
    this.#terminal.connect(ticket.url);
  }

  /** A new connect() replaces the terminal's socket; nothing to drop first. */
  detachSurface(): void {}

  show(): void {
    this.#terminal.fit();
    this.focus();
  }

  focus(): void {
    this.#terminal.focus();
  }

  applyLook(look: TerminalLook): void {
    const theme = look.dark ? darkTheme : lightTheme;
    this.#surface.style.background = theme.background;
    this.#terminal.setLook({ fontFamily: look.fontFamily, fontSize: look.fontSize, theme });
  }

  /** Shows or hides the files panel beside the terminal; focus goes to the list or back to the terminal. */
  toggleFiles(show?: boolean): void {
    this.#files.toggle(show);
    if (!this.#files.visible) this.focus();
  }

  /**
   * The tab's session, then the saved host of the same name when exactly one
   * has it: the engine reaches an open tab's connection only through its
   * saved host for now, and the tab is not told its host id.
   */
  async #filesTargets(): Promise<SftpOpenTarget[]> {
    if (!this.#sessionId) return [];
    const book = await this.#opts.api.call('book.get').catch(() => null);
    const same = book?.hosts.filter((h) => h.name === this.baseTitle) ?? [];
    return [{ sessionId: this.#sessionId }, ...(same.length === 1 && same[0] ? [{ hostId: same[0].id }] : [])];
  }

  #filesShortcut(ev: KeyboardEvent): void {
    if (!ev.ctrlKey || !ev.shiftKey || ev.altKey || (ev.key !== 'E' && ev.key !== 'e')) return;
    if (this.element.hidden || !this.element.isConnected || this.element.closest('[hidden]')) return;
    ev.preventDefault();
    ev.stopPropagation();
    this.toggleFiles();
  }

  #terminalOnEvent(ev: TerminalEvent): void {
    if (ev.type === 'open') {
      this.life.connected();
      return this.#files.linkRestored();
    }
    const message = endMessage(ev);
    const code = endCode(ev);
    if (mayRetry(code)) this.#files.linkLost();
    if (!this.life.end(message, { code })) return;
    this.#terminal.notice(message);
    this.#terminal.notice(t(this.life.reconnecting ? 'session.reconnectingHint' : 'session.reconnectHint'));
  }
}

/**
 * The code that says whether the link failed (auto-reconnect.ts): main's
 * error, the error code a gateway close carries (a shell whose open met a
 * dying link closes the socket with TARGET_OPEN_FAILED "SSH_DISCONNECTED"),
 * or an abnormal close of the page's socket (1006: no close frame, the
 * gateway or the network went away), taken as a lost link.
 */
function endCode(ev: Exclude<TerminalEvent, { type: 'open' }>): string | undefined {
  if (ev.type === 'error') return ev.code;
  if (ev.type !== 'closed') return undefined;
  if (ev.code === 1006) return 'SSH_DISCONNECTED';
  return closeErrorCode(ev.code, ev.reason);
}

/** Why a terminal session ended, in the person's words. */
function endMessage(ev: Exclude<TerminalEvent, { type: 'open' }>): string {
  if (ev.type === 'exit') {
    if (ev.signal !== null) return t('session.exitedSignal', { signal: ev.signal });
    // No status and no signal: the server closed the channel without saying how it ended.
    return ev.code !== null ? t('session.exited', { code: ev.code }) : t('session.channelClosed');
  }
  if (ev.type === 'error') return ev.message;
  return t('session.closed', { reason: describeGatewayClose(ev.code, ev.reason) });
}
