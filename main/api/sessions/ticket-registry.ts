// Tickets issued by sessions.open that the page has not closed yet. Main
// holds what a ticket needs (an SSH lease, an authenticated VNC stream) until
// the page redeems it or the hold runs out, so a ticket the page never uses
// cannot keep a connection open for ever.
import { randomBytes } from 'node:crypto';
import type { Gateway } from '../../gateway/gateway.js';
import type { GatewayLink, TargetOpener } from '../../gateway/target.js';

/** How long a ticket's connection is held for the page to redeem it (the gateway's TTL is 30 s). */
const HOLD_FOR_REDEEM_MS = 35_000;

interface OpenSession {
  url: string;
  /** SSH sessions: the pool key of the connection the shell rides (for sftp.open { sessionId }). */
  poolKey?: string;
  dispose(): void;
}

/**
 * The open sessions of the page and their gateway tickets: each issued ticket is held for a limited time, then released
 * if never redeemed, and closing a session revokes its ticket and releases what it holds.
 */
export class TicketRegistry {
  readonly #sessions = new Map<string, OpenSession>();
  readonly #gateway: () => Gateway;

  constructor(gateway: () => Gateway) {
    this.#gateway = gateway;
  }

  /**
   * Issues a gateway ticket for `opener`. `release` runs once: when the page
   * redeems the ticket (after the opener ran), when the hold runs out, or on
   * close. `onClose` runs when the session is closed or never redeemed.
   */
  issue(
    opener: TargetOpener,
    release: () => void,
    onClose: () => void,
    poolKey?: string,
  ): { sessionId: string; url: string } {
    const sessionId = randomBytes(12).toString('base64url');
    const drop = once(release);
    const timer = setTimeout(() => {
      drop();
      onClose();
    }, HOLD_FOR_REDEEM_MS);
    timer.unref();
    const url = this.#gateway().issueTicket(async (link: GatewayLink) => {
      clearTimeout(timer);
      link.signal.addEventListener('abort', () => this.#sessions.delete(sessionId), { once: true });
      try {
        return await opener(link);
      } finally {
        drop();
      }
    });
    this.#sessions.set(sessionId, {
      url,
      ...(poolKey === undefined ? {} : { poolKey }),
      dispose: () => {
        clearTimeout(timer);
        this.#gateway().revokeTicket(url);
        drop();
        onClose();
      },
    });
    return { sessionId, url };
  }

  /** The pooled connection an open SSH session rides, by its pool key; undefined for others or unknown ids. */
  poolKeyOf(sessionId: string): string | undefined {
    return this.#sessions.get(sessionId)?.poolKey;
  }

  /** Ends one session (an unknown id is not an error: the tab may close twice). */
  close(sessionId: string): void {
    this.#sessions.get(sessionId)?.dispose();
    this.#sessions.delete(sessionId);
  }

  /** Closes every session (the page went away, or the app quits). */
  dispose(): void {
    for (const s of this.#sessions.values()) s.dispose();
    this.#sessions.clear();
  }
}

function once(fn: () => void): () => void {
  let pending = true;
  return () => {
    if (!pending) return;
    pending = false;
    fn();
  };
}
