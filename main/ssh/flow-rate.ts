// How many terminal bytes may be on their way to the page at once: what the
// page can draw in about DRAW_TARGET_MS, measured from its acks as it runs.
//
// Everything between sshd and xterm.js's screen is a queue: the SSH window the
// server may still fill, ssh2's channel buffer, the bridge, the gateway's
// WebSocket send buffer, the page's receive queue and xterm's write buffer.
// After Ctrl+C the prompt is drawn only once all of it is drawn (the pty
// discards only what is still in its own output queue), so the bytes in flight
// divided by the drawing rate is the delay a person sees. A window sized for
// throughput alone (2 MiB, at 4–8 MB/s of drawing) held the prompt back for
// half a second and more; a window of ~100 ms of drawing keeps it close to
// what OpenSSH in tmux shows, and still keeps the page busy as long as fresh
// bytes take less than that to arrive (the bridge tops the window up in
// steps of one ack, so the page always has bytes queued). When the round trip
// outside the page is longer (a loaded machine), the budget covers it instead.
//
// Pure: no I/O; the caller passes the clock.

/** The delay, in ms of drawing, that the bytes in flight may add to a keystroke's effect. */
export const DRAW_TARGET_MS = 100;
/**
 * Never less than this in flight (bytes): two of the page's acks
 * (ACK_EVERY_BYTES, shared/terminal-protocol.ts), so one ack always finds the
 * window open again, and the throughput of a slow page is not starved by the
 * round trip.
 */
export const MIN_BUDGET = 128 * 1024;
/** Never more than this (bytes): the fixed window Hostdeck used before, chosen for throughput alone. */
export const MAX_BUDGET = 2 * 1024 * 1024;
/** Until the page has drawn for SAMPLE_MS: about 100 ms of a busy page (4–8 MB/s, bench/app.bench.ts). */
export const INITIAL_BUDGET = 512 * 1024;
/** Busy time (ms) one rate sample spans: long enough that acks bunched by a busy event loop average out. */
const SAMPLE_MS = 40;
/** Samples the rate is the best of: ~0.3 s of drawing, so a page that slows down is followed within a second. */
const SAMPLES = 8;

/**
 * The page's drawing rate, from its acks. Only time when the page had
 * something to draw counts: while everything sent is acked the page is
 * waiting for bytes, and counting that wait would shrink the budget, starve
 * the page more, and shrink it again.
 *
 * That is not enough on its own: main cannot see bytes still on their way
 * to the page, so when the budget is smaller than what the page draws in a
 * round trip, the page waits with bytes "unacked" and the first ack after
 * the wait spans it. The rate is therefore the best of the last SAMPLES
 * samples (as BBR estimates a path's bandwidth from its recent maximum
 * delivery rate, draft-ietf-ccwg-bbr): the samples taken while the page drew
 * back to back are its real speed, the ones spanning a wait only look slower.
 * The first ack after bytes went to an idle page is no rate sample at all:
 * it measures the round trip outside the page (lagMs).
 */
export class DrawRate {
  readonly #samples: number[] = [];
  readonly #lags: number[] = [];
  #bytes = 0;
  #ms = 0;
  #busySince: number | null = null;
  /** When bytes went to an idle page, until their first ack: a lag sample is taken then. */
  #idleSend: number | null = null;

  /** Bytes went to the page at `now` (ms): from then on it has something to draw. */
  sent(now: number): void {
    if (this.#busySince !== null) return;
    this.#busySince = now;
    this.#idleSend = now;
  }

  /** The page acked `bytes` (at most what was in flight) at `now`; `unackedAfter` are still to be drawn. */
  acked(now: number, bytes: number, unackedAfter: number): void {
    const since = this.#busySince;
    if (since === null || bytes <= 0) return;
    this.#busySince = unackedAfter > 0 ? now : null;
    // The first ack after bytes went to an idle page spans the round trip
    // outside it (a keystroke's echo is nothing but that): a lag sample, not a rate one.
    if (this.#takeLag(now, bytes)) return;
    this.#bytes += bytes;
    this.#ms += Math.max(0, now - since);
    if (this.#ms < SAMPLE_MS) return;
    this.#samples.push(this.#bytes / this.#ms);
    if (this.#samples.length > SAMPLES) this.#samples.shift();
    this.#bytes = 0;
    this.#ms = 0;
  }

  /** Bytes drawn per ms of busy time, or null before the first SAMPLE_MS of drawing. */
  get bytesPerMs(): number | null {
    return this.#samples.length === 0 ? null : Math.max(...this.#samples);
  }

  /**
   * The round trip outside the page (ms): from bytes sent to an idle page to
   * their ack, less the time to draw them; the median of the last SAMPLES.
   * 0 until measured.
   */
  get lagMs(): number {
    if (this.#lags.length === 0) return 0;
    const sorted = [...this.#lags].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  /** Takes a lag sample if this is the first ack since the page was idle; says whether it was. */
  #takeLag(now: number, bytes: number): boolean {
    const sentAt = this.#idleSend;
    if (sentAt === null) return false;
    this.#idleSend = null;
    // Without a rate the drawing time cannot be taken out: no sample.
    const rate = this.bytesPerMs;
    if (rate === null) return true;
    this.#lags.push(Math.max(0, now - sentAt - bytes / rate));
    if (this.#lags.length > SAMPLES) this.#lags.shift();
    return true;
  }
}

/**
 * Bytes allowed in flight for a page drawing `bytesPerMs` (null: not measured
 * yet) with `lagMs` of round trip outside it: what it draws in DRAW_TARGET_MS,
 * or, when the round trip is longer (a machine under load), in 1.25 round
 * trips, so the page never waits for bytes and throughput is kept; the delay
 * after Ctrl+C then grows with the round trip, as it must.
 */
export function flowBudget(bytesPerMs: number | null, lagMs = 0): number {
  if (bytesPerMs === null) return INITIAL_BUDGET;
  const ms = Math.max(DRAW_TARGET_MS, 1.25 * lagMs);
  return Math.round(Math.min(MAX_BUDGET, Math.max(MIN_BUDGET, bytesPerMs * ms)));
}
