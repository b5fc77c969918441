// The part of a tab that is the same for a terminal and a desktop: ask main
// to open the session (sessions.open does the login, asking through
// prompts), hand the ticket to the surface, say in the banner what is
// happening, and leave main cleanly on close: cancel an open in flight,
// close an open session. Closing the tab closes the WebSocket too, which
// ends the shell or tunnel in main and frees its connection.
//
// Where the tab is comes from one StateMachine (TAB_TRANSITIONS), not from
// which ids happen to be set; a move the table does not allow throws.
import { clear, Disposables, el } from '../dom.js';
import { t } from '../i18n/i18n.js';
import { ApiCallError } from '../api/client.js';
import type { SessionTicket } from '../../../shared/api/contract.js';
import { StateMachine, type StateListener } from '../../../shared/state-machine.js';
import { showHostKeyChanged } from './prompts.js';
import { TAB_STATUS, TAB_TRANSITIONS, type SessionTabOptions, type TabState } from './session-tab.js';

/** The terminal or desktop a lifecycle drives. */
export interface SessionSurface {
  /** The size main opens the session with. */
  size(): { cols: number; rows: number };
  /** A ticket is in hand: connect to its URL. */
  attach(ticket: SessionTicket): void;
  /** Drop the connection to the last ticket, before opening again. */
  detach(): void;
  focus(): void;
}

let openCounter = 0;

export class SessionLifecycle {
  /** Above the surface: "Connecting…", why it ended and Reconnect, or a login form. */
  readonly banner = el('div', { class: 'session-banner', attrs: { role: 'status', 'aria-live': 'polite' } });
  readonly #opts: SessionTabOptions;
  readonly #surface: SessionSurface;
  readonly #state = new StateMachine<TabState>('session tab', 'idle', TAB_TRANSITIONS);
  readonly #d = new Disposables();
  #openId: string | null = null;
  #sessionId: string | null = null;

  constructor(opts: SessionTabOptions, surface: SessionSurface) {
    this.#opts = opts;
    this.#surface = surface;
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

  async open(): Promise<void> {
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
      this.#surface.attach(ticket);
      this.#opts.onConnected?.(ticket);
      this.#surface.focus();
    } catch (err) {
      this.#openId = null;
      if (!this.#state.is('opening')) return;
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof ApiCallError && err.code === 'SSH_HOST_KEY_CHANGED' && err.details)
        showHostKeyChanged(err.details, String(err.details['host'] ?? this.#opts.title));
      this.end(`${t('session.failed', { name: this.#opts.title })}: ${message}`);
    }
  }

  /** The surface's connection is up. */
  connected(): void {
    this.#state.to('connected');
  }

  /**
   * The session is over: show why, with a Reconnect button the keyboard
   * reaches (the tab's own ⟳ is for the mouse). Returns false when the tab
   * is closed and there is nobody to tell. A second report while ended
   * (noVNC sends securityfailure, then disconnect) replaces the message.
   */
  end(message: string, bannerText = message): boolean {
    if (this.#state.is('closed')) return false;
    this.#sessionId = null;
    if (!this.#state.is('ended')) this.#state.to('ended');
    clear(this.banner);
    this.banner.append(
      el('span', { text: bannerText }),
      el('button', {
        text: t('tabs.reconnect'),
        class: 'primary',
        attrs: { type: 'button' },
        on: { click: () => void this.open() },
      }),
    );
    return true;
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
