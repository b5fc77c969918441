// One-time tickets: the only thing a page holds to reach a target. A ticket is
// 256 bits from the CSPRNG (docs/SECURITY.md "Gateway" 4), lives until it is
// redeemed once or its timer fires, and is looked up without ever comparing
// the secret itself in variable time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Single-use tickets bound to values, each forgotten after `ttlMs` milliseconds if not redeemed; only SHA-256 digests
 * of tickets are kept.
 */
export class TicketBook<T> {
  readonly #ttlMs: number;
  readonly #entries = new Set<Entry<T>>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** Tickets live now. */
  get size(): number {
    return this.#entries.size;
  }

  /** A fresh ticket (base64url, 43 characters) bound to `value`. */
  issue(value: T): string {
    const ticket = randomBytes(32).toString('base64url');
    const entry: Entry<T> = { digest: digestOf(ticket), value, timer: undefined };
    // The timer only forgets the ticket; it must never keep the process alive.
    entry.timer = setTimeout(() => this.#entries.delete(entry), this.#ttlMs);
    entry.timer.unref();
    this.#entries.add(entry);
    return ticket;
  }

  /**
   * Removes and returns the value bound to `presented`, or undefined. Every
   * live entry is compared, digest against digest, with timingSafeEqual: the
   * time taken depends on how many tickets are live, never on how much of a
   * guess was right. Hashing first gives equal lengths, so a wrong-length
   * guess cannot throw.
   */
  redeem(presented: string): T | undefined {
    const digest = digestOf(presented);
    let found: Entry<T> | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(digest, entry.digest) && found === undefined) found = entry;
    }
    if (found === undefined) return undefined;
    this.#forget(found);
    return found.value;
  }

  /** Forgets a ticket without redeeming it; true if it was live. */
  revoke(presented: string): boolean {
    return this.redeem(presented) !== undefined;
  }

  /** Forgets every ticket and stops their timers. */
  clear(): void {
    for (const entry of [...this.#entries]) this.#forget(entry);
  }

  #forget(entry: Entry<T>): void {
    clearTimeout(entry.timer);
    this.#entries.delete(entry);
  }
}

interface Entry<T> {
  digest: Buffer;
  value: T;
  timer: NodeJS.Timeout | undefined;
}

function digestOf(ticket: string): Buffer {
  return createHash('sha256').update(ticket, 'utf8').digest();
}
