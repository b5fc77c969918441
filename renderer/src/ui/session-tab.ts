// What the tab strip and the app need from a session tab, whatever it shows.
// An SSH tab (ssh-tab.ts: xterm.js) and a VNC tab (vnc-tab.ts: noVNC) are
// two classes behind this one interface; what they share, opening the
// session in main and the tab's life from "opening" to "closed", is
// SessionLifecycle (session-lifecycle.ts).
import type { ApiClient } from '../api/client.js';
import type { SessionTicket } from '../../../shared/api/contract.js';
import type { TransitionTable } from '../../../shared/state-machine.js';
import type { TabStatus } from './tab-strip.js';

export interface TerminalLook {
  fontFamily: string;
  fontSize: number;
  dark: boolean;
}

/**
 * A tab's life. "opening": sessions.open is in flight (main logs in, asking
 * through prompts). "attaching": a ticket is in hand and the terminal or
 * desktop is connecting to the gateway. "ended": the session is over (or
 * never opened) and the tab offers Reconnect. "closed": the tab is gone.
 */
export type TabState = 'idle' | 'opening' | 'attaching' | 'connected' | 'ended' | 'closed';

export const TAB_TRANSITIONS: TransitionTable<TabState> = {
  idle: ['opening', 'closed'],
  opening: ['attaching', 'ended', 'closed'],
  attaching: ['connected', 'ended', 'closed'],
  connected: ['ended', 'closed'],
  ended: ['opening', 'closed'],
  closed: [],
};

/** What the tab strip shows for each state (none before the first open, none once closed). */
export const TAB_STATUS: Readonly<Record<TabState, TabStatus | null>> = {
  idle: null,
  opening: 'connecting',
  attaching: 'connecting',
  connected: 'connected',
  ended: 'disconnected',
  closed: null,
};

/** What a terminal shows, read as text (WebGL draws to a canvas). */
export interface TerminalReadout {
  /** The whole buffer, one line per row. */
  text(): string;
  selection(): string;
}

export interface SessionTab {
  readonly kind: 'ssh' | 'vnc';
  /** The tab's panel: banner, toolbar, terminal or desktop. */
  readonly element: HTMLElement;
  readonly title: string;
  /** The host's own name, for numbering several tabs to it. */
  readonly baseTitle: string;
  readonly state: TabState;
  /** Counting down to an automatic reconnect (the link dropped). */
  readonly reconnecting: boolean;
  /** The terminal's text for an SSH tab; null for a desktop. */
  readonly readout: TerminalReadout | null;
  /** Opens the session: first, and again once it ended (Reconnect). Otherwise does nothing. */
  connect(): Promise<void>;
  /** The network came back or the machine woke: a countdown to reconnect tries at once. Otherwise does nothing. */
  retryNow(): void;
  /** The tab became the visible one. */
  show(): void;
  focus(): void;
  /** Settings changed: new theme or terminal font. */
  applyLook(look: TerminalLook): void;
  /** Ends the session in main, then releases everything the tab holds, in reverse order. Once. */
  close(): void;
}

/** What every tab is given by the app. */
export interface SessionTabOptions {
  api: ApiClient;
  title: string;
  /** The host's own name, for numbering several tabs to it. */
  baseTitle?: string;
  /**
   * Opens (or reopens) the session in main; `openId` ties prompts to this tab. `size.slot` is the tab's number among
   * the page's tabs to the host (a kept shell is named after it).
   */
  open(openId: string, size: { cols: number; rows: number; slot?: number }): Promise<SessionTicket>;
  onStatus(status: TabStatus): void;
  onTitle(title: string): void;
  /** The open succeeded (quick connect offers to save the host). */
  onConnected?(ticket: SessionTicket): void;
  /** Whether to reconnect by itself after the link drops: the host's choice, else the settings' (read at each drop). */
  autoReconnect?(): boolean;
}
