// What an SSH tab and a VNC tab share around their SessionLifecycle: the
// names, the state, connecting and reconnecting, the status mirrored on the
// panel (data-status, for styles and tests), and closing in order. Each tab
// class adds its surface (a terminal, a desktop) and what it does on events.
import { Disposables } from '../dom.js';
import type { SessionTicket } from '../../../shared/api/contract.js';
import { SessionLifecycle } from './session-lifecycle.js';
import type { SessionTab, SessionTabOptions, TabState, TerminalLook, TerminalReadout } from './session-tab.js';
import type { TabStatus } from './tab-strip.js';

export abstract class LifecycleTab implements SessionTab {
  abstract readonly kind: 'ssh' | 'vnc';
  abstract readonly element: HTMLElement;
  abstract readonly readout: TerminalReadout | null;
  readonly title: string;
  readonly baseTitle: string;
  /** Opening, the banner, ending and reconnecting: driven by the tab class from its surface's events. */
  readonly life: SessionLifecycle;
  /** What the tab holds besides the session: released after it, in reverse order. */
  readonly disposables = new Disposables();

  constructor(opts: SessionTabOptions) {
    this.title = opts.title;
    this.baseTitle = opts.baseTitle ?? opts.title;
    const onStatus = (status: TabStatus): void => {
      this.element.dataset['status'] = status;
      opts.onStatus(status);
    };
    this.life = new SessionLifecycle(
      { ...opts, onStatus },
      {
        size: () => this.surfaceSize(),
        attach: (ticket, again) => this.attachSurface(ticket, again),
        detach: () => this.detachSurface(),
        focus: () => this.focus(),
      },
    );
  }

  /** The size main opens the session with (columns and rows; a desktop ignores it). */
  abstract surfaceSize(): { cols: number; rows: number };
  /** A ticket is in hand: connect the terminal or desktop to it. `again`: the tab had a session before. */
  abstract attachSurface(ticket: SessionTicket, again: boolean): void;
  /** Drop the connection to the last ticket, before opening again. */
  abstract detachSurface(): void;

  get state(): TabState {
    return this.life.state;
  }

  get reconnecting(): boolean {
    return this.life.reconnecting;
  }

  connect(): Promise<void> {
    return this.life.open();
  }

  retryNow(): void {
    this.life.retryNow();
  }

  abstract show(): void;
  abstract focus(): void;
  abstract applyLook(look: TerminalLook): void;

  close(): void {
    this.life.close();
    this.disposables.dispose();
  }
}
