// The part of a tab that is the same for a terminal and a desktop: ask main
// to open the session (sessions.open does the login, asking through
// prompts), hand the ticket to the surface, say in the banner what is
// happening, and leave main cleanly on close: cancel an open in flight,
// close an open session. Closing the tab closes the WebSocket too, which
// ends the shell or tunnel in main and frees its connection.
//
// Where the tab is comes from one StateMachine (TAB_TRANSITIONS), not from
// which ids happen to be set; a move the table does not allow throws.
//
// A session that was up and lost its link (auto-reconnect.ts says which
// failures those are) is opened again by itself when the host or the
// settings allow it: a countdown in the banner, with Reconnect now and
// Cancel; a try that fails on the link counts down again, longer; any other
// failure (a refused login, a changed host key) stops.
import { clear, Disposables, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import { ApiCallError } from '../api/client.js';
import type { SessionTicket } from '../../../shared/api/contract.js';
import { StateMachine, type StateListener } from '../../../shared/state-machine.js';
import { showHostKeyChanged } from './prompts.js';
import { TAB_STATUS, TAB_TRANSITIONS, type SessionTabOptions, type TabState } from './session-tab.js';
import { mayRetry, Reconnector } from './auto-reconnect.js';

/** The terminal or desktop a lifecycle drives. */
export interface SessionSurface {
  /** The size main opens the session with. */
  size(): { cols: number; rows: number };
  /** A ticket is in hand: connect to its URL. `again`: this tab had a session before (a terminal says its shell is new). */
  attach(ticket: SessionTicket, again: boolean): void;
  /** Drop the connection to the last ticket, before opening again. */
  detach(): void;
  focus(): void;
}

/** How a session ended: `banner` replaces the message above the surface; `code` is the error code, when there is one. */
export interface EndReport {
  banner?: string;
  code?: string | undefined;
}

let openCounter = 0;

export class SessionLifecycle {
  /** Above the surface: "Connecting…", why it ended and Reconnect, or a login form. */
  readonly banner = el('div', { class: 'session-banner', attrs: { role: 'status', 'aria-live': 'polite' } });
  readonly #opts: SessionTabOptions;
  readonly #surface: SessionSurface;
  readonly #state = new StateMachine<TabState>('session tab', 'idle', TAB_TRANSITIONS);
  readonly #d = new Disposables();
  readonly #retry: Reconnector;
  #openId: string | null = null;
  #sessionId: string | null = null;
  /** A session was up in this tab: the next one is a new shell or desktop connection. */
  #hadSession = false;
  /** The link dropped under a working session and no other failure came since: link failures count down again. */
  #dropped = false;
  /** Cancel was pressed: no automatic tries until a session is up again. */
  #cancelled = false;
  /** The countdown's own line in the banner. */
  readonly #countdown = el('span', { class: 'reconnect-countdown', attrs: { 'aria-live': 'off' } });

  constructor(opts: SessionTabOptions, surface: SessionSurface) {
    this.#opts = opts;
    this.#surface = surface;
    this.#retry = new Reconnector({
      tick: (seconds) => this.#tick(seconds),
      attempt: () => void this.#open(),
    });
    this.#d.add(() => this.#retry.cancel());
    this.#d.add(
      this.#state.subscribe((next) => {
        const status = TAB_STATUS[next];
        if (status) opts.onStatus(status);
      }),
    );
  }

  get state(): TabState {
    return this.#state.state;
  }

  subscribe(listener: StateListener<TabState>): () => void {
    return this.#state.subscribe(listener);
  }

  /** A countdown to the next automatic try is running. */
  get reconnecting(): boolean {
    return this.#retry.waiting;
  }

  /** Opens the session (first, or again once ended); the person asked, so a countdown stops. */
  open(): Promise<void> {
    this.#retry.cancel();
    return this.#open();
  }

  /** The network came back or the machine woke: a countdown skips its wait. */
  retryNow(): void {
    this.#retry.now();
  }

  async #open(): Promise<void> {
    if (!this.#state.can('opening')) return;
    this.#surface.detach();
    this.#state.to('opening');
    this.banner.textContent = t('session.connecting', { name: this.#opts.title });
    const openId = `open-${Date.now().toString(36)}-${++openCounter}`;
    this.#openId = openId;
    try {
      const ticket = await this.#opts.open(openId, this.#surface.size());
      this.#openId = null;
      if (!this.#state.is('opening')) {
        // Closed while main was opening: the session it made is not wanted.
        void this.#opts.api.call('sessions.close', ticket.sessionId).catch(() => undefined);
        return;
      }
      this.#sessionId = ticket.sessionId;
      this.#state.to('attaching');
      clear(this.banner);
      this.#surface.attach(ticket, this.#hadSession);
      this.#opts.onConnected?.(ticket);
      this.#surface.focus();
    } catch (err) {
      this.#openId = null;
      if (!this.#state.is('opening')) return;
      const message = err instanceof Error ? err.message : String(err);
      const code = err instanceof ApiCallError ? err.code : undefined;
      if (err instanceof ApiCallError && err.code === 'SSH_HOST_KEY_CHANGED' && err.details)
        showHostKeyChanged(err.details, String(err.details['host'] ?? this.#opts.title));
      this.end(`${t('session.failed', { name: this.#opts.title })}: ${message}`, { code });
    }
  }

  /** The surface's connection is up: a later drop starts from the first wait again. */
  connected(): void {
    this.#state.to('connected');
    this.#hadSession = true;
    this.#dropped = false;
    this.#cancelled = false;
    this.#retry.reset();
  }

  /**
   * The session is over: show why, with a Reconnect button the keyboard
   * reaches (the tab's own ⟳ is for the mouse). Returns false when the tab
   * is closed and there is nobody to tell. A second report while ended
   * (noVNC sends securityfailure, then disconnect) replaces the message.
   * A link failure (`code`, see mayRetry) of a session that was up, or of a
   * later try in a tab that has had one, starts the countdown to an automatic
   * try, when the host or settings allow.
   */
  end(message: string, how: EndReport = {}): boolean {
    if (this.#state.is('closed')) return false;
    this.#sessionId = null;
    const again = this.#state.is('ended');
    const retry = mayRetry(how.code);
    // A link failure while a tab that has had a session is opening or attaching
    // again (Reconnect pressed, or a try that met a link still dying) keeps the
    // tab reconnecting, as a drop of a live session does.
    if (retry && (this.#state.is('connected') || (this.#hadSession && !this.#cancelled))) this.#dropped = true;
    else if (!retry) this.#dropped = false;
    if (!again) this.#state.to('ended');
    const text = how.banner ?? message;
    if (this.#dropped && this.#opts.autoReconnect?.() === true) {
      this.#showCountdown(text);
      if (!again || !this.#retry.waiting) this.#retry.schedule();
    } else {
      this.#retry.cancel();
      this.#showEnded(text);
    }
    return true;
  }

  #showEnded(text: string): void {
    clear(this.banner);
    this.banner.append(
      el('span', { class: 'session-end', text }),
      el('button', {
        text: t('tabs.reconnect'),
        class: 'primary',
        attrs: { type: 'button' },
        on: { click: () => void this.open() },
      }),
    );
  }

  #showCountdown(text: string): void {
    clear(this.banner);
    this.banner.append(
      el('span', { class: 'session-end', text }),
      this.#countdown,
      el('button', {
        text: t('session.reconnectNow'),
        class: 'primary',
        attrs: { type: 'button' },
        on: { click: () => void this.open() },
      }),
      el('button', {
        text: t('session.reconnectCancel'),
        attrs: { type: 'button', 'aria-label': t('session.reconnectCancel.label') },
        on: { click: () => this.#cancelRetry() },
      }),
    );
  }

  /** Cancel: no more automatic tries until the session is up again; Reconnect stays. */
  #cancelRetry(): void {
    this.#retry.cancel();
    this.#dropped = false;
    this.#cancelled = true;
    const text = this.banner.querySelector('.session-end')?.textContent ?? '';
    this.#showEnded(text);
    this.banner.querySelector<HTMLButtonElement>('button')?.focus();
  }

  #tick(seconds: number | null): void {
    this.#countdown.textContent = seconds === null ? '' : t('session.reconnectingIn', { seconds });
  }

  /** Puts `content` (a login form) in the banner, or empties it. */
  showInBanner(content?: HTMLElement): void {
    clear(this.banner);
    if (content) this.banner.append(content);
  }

  /** Leaves main: cancels an open in flight, closes an open session. Once. */
  close(): void {
    if (!this.#state.tryTo('closed')) return;
    if (this.#openId) void this.#opts.api.call('sessions.cancel', this.#openId).catch(() => undefined);
    this.#surface.detach();
    const id = this.#sessionId;
    this.#sessionId = null;
    if (id) void this.#opts.api.call('sessions.close', id).catch(() => undefined);
    this.#d.dispose();
  }
}
