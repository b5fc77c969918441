// A VNC tab: noVNC (vnc/vnc-session.ts) on the gateway ticket main issues
// after it has logged in, under a toolbar (vnc-toolbar.ts) that says what
// protects the wire. Server-controlled strings (desktop name, clipboard,
// failure reasons) are shown as text.
import { el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import { DEFAULT_VNC_OPTIONS, type VncOptions } from '../../../shared/model/host.js';
import { VncSession, type VncEvent } from '../vnc/vnc-session.js';
import { formRow } from './dialogs.js';
import { LifecycleTab } from './lifecycle-tab.js';
import type { SessionTabOptions, TerminalLook } from './session-tab.js';
import type { SessionTicket } from '../../../shared/api/contract.js';
import { VncToolbar } from './vnc-toolbar.js';

export interface VncTabOptions extends SessionTabOptions {
  vnc?: VncOptions;
}

export class VncTab extends LifecycleTab {
  readonly kind = 'vnc';
  readonly element: HTMLElement;
  readonly readout = null;
  readonly #opts: VncTabOptions;
  readonly #surface = el('div', { class: 'session-surface session-vnc' });
  readonly #vnc: VncSession;
  readonly #toolbar: VncToolbar;

  constructor(opts: VncTabOptions) {
    super(opts);
    this.#opts = opts;
    this.#vnc = new VncSession(this.#surface, {
      ...(opts.vnc ?? DEFAULT_VNC_OPTIONS),
      onEvent: (ev) => this.#vncOnEvent(ev),
    });
    this.disposables.add(() => this.#vnc.dispose());
    this.#toolbar = new VncToolbar({
      vnc: this.#vnc,
      options: opts.vnc,
      surface: this.#surface,
      title: opts.title,
      focus: () => this.focus(),
    });
    this.disposables.add(() => this.#toolbar.dispose());
    this.element = el('div', { class: 'session' }, this.#toolbar.element, this.life.banner, this.#surface);
  }

  /** A desktop has no rows and columns; main ignores the size for VNC. */
  surfaceSize(): { cols: number; rows: number } {
    return { cols: 80, rows: 24 };
  }

  attachSurface(ticket: SessionTicket): void {
    if (ticket.vnc) this.#toolbar.showSecurity(ticket.vnc);
    this.#vnc.connect(ticket.url);
  }

  detachSurface(): void {
    this.#vnc.disconnect();
  }

  show(): void {
    this.focus();
  }

  focus(): void {
    this.#vnc.focus();
  }

  /** A desktop has no terminal look. */
  applyLook(_look: TerminalLook): void {}

  #vncOnEvent(ev: VncEvent): void {
    if (ev.type === 'connect') this.life.connected();
    // An unclean end is a lost link (the server or the network went away): worth reconnecting.
    else if (ev.type === 'disconnect') this.#ended(t(ev.clean ? 'vnc.closed' : 'vnc.lost'), !ev.clean);
    else if (ev.type === 'securityfailure') this.#ended(ev.reason || `security failure ${ev.status}`, false);
    else if (ev.type === 'rate') this.#toolbar.showRate(ev.bytesPerSecond);
    else if (ev.type === 'desktopname' && ev.name) this.#opts.onTitle(`${this.#opts.title} — ${ev.name}`);
    else if (ev.type === 'clipboard') this.#toolbar.clipboardIn(ev.text);
    else if (ev.type === 'credentialsrequired') this.#askCredentials(ev.types);
  }

  #ended(message: string, linkLost: boolean): void {
    const how = { banner: `${message} ${t('vnc.reconnectHint')}`, code: linkLost ? 'VNC_SERVER_CLOSED' : undefined };
    if (this.life.end(message, how)) this.#toolbar.showRate(null);
  }

  /**
   * Pass-through servers (ARD, MS-Logon…) log in inside noVNC, so only here
   * does the page ask for a VNC password; main never sees these types.
   */
  #askCredentials(types: string[]): void {
    const form = credentialsForm(types, (creds) => {
      this.life.showInBanner();
      this.#vnc.sendCredentials(creds);
      this.focus();
    });
    this.life.showInBanner(form);
    form.querySelector('input')?.focus();
  }
}

function credentialsForm(
  types: string[],
  send: (creds: { username?: string; password?: string }) => void,
): HTMLFormElement {
  const fields: Array<['username' | 'password', HTMLInputElement]> = [];
  if (types.includes('username'))
    fields.push(['username', el('input', { attrs: { type: 'text', autocomplete: 'username' } })]);
  if (types.includes('password') || fields.length === 0)
    fields.push(['password', el('input', { attrs: { type: 'password', autocomplete: 'current-password' } })]);
  const form = el(
    'form',
    { class: 'vnc-credentials', attrs: { 'aria-label': t('vnc.credentials') } },
    el('p', { text: t('vnc.passthrough') }),
    ...fields.map(([kind, input]) =>
      formRow(t(kind === 'username' ? 'vnc.credentials.username' : 'vnc.credentials.password'), input),
    ),
    el('button', { text: t('vnc.credentials.send'), attrs: { type: 'submit' } }),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const creds: { username?: string; password?: string } = {};
    for (const [kind, input] of fields) creds[kind] = input.value;
    send(creds);
  });
  return form;
}
