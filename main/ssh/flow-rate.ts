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
// what OpenSSH in tmux shows, and still keeps the page busy (the resume point,
// half of it, covers the time fresh bytes take to arrive).
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
/** Until the page has drawn for MIN_MEASURED_MS: about 100 ms of a busy page (4–8 MB/s, bench/app.bench.ts). */
export const INITIAL_BUDGET = 512 * 1024;
/** Busy time (ms) measured before the rate is trusted. */
const MIN_MEASURED_MS = 20;
/** Older drawing counts half after this much busy time (ms): follows a page that slows down or speeds up within a second. */
const HALF_LIFE_MS = 400;

/**
 * The page's drawing rate, from its acks. Only time when the page had
 * something to draw counts: while everything sent is acked the page is
 * waiting for bytes, and counting that wait would shrink the budget, starve
 * the page more, and shrink it again.
 */
export class DrawRate {
  #bytes = 0;
  #ms = 0;
  #busySince: number | null = null;

  /** Bytes went to the page at `now` (ms): from then on it has something to draw. */
  sent(now: number): void {
    this.#busySince ??= now;
  }

  /** The page acked `bytes` (at most what was in flight) at `now`; `unackedAfter` are still to be drawn. */
  acked(now: number, bytes: number, unackedAfter: number): void {
    const since = this.#busySince;
    if (since === null || bytes <= 0) return;
    const dt = Math.max(0, now - since);
    const keep = 0.5 ** (dt / HALF_LIFE_MS);
    this.#bytes = this.#bytes * keep + bytes;
    this.#ms = this.#ms * keep + dt;
    this.#busySince = unackedAfter > 0 ? now : null;
  }

  /** Bytes drawn per ms of busy time, or null before MIN_MEASURED_MS of drawing. */
  get bytesPerMs(): number | null {
    return this.#ms >= MIN_MEASURED_MS ? this.#bytes / this.#ms : null;
  }
}

/** Bytes allowed in flight for a page drawing `bytesPerMs` (null: not measured yet). */
export function flowBudget(bytesPerMs: number | null): number {
  if (bytesPerMs === null) return INITIAL_BUDGET;
  return Math.round(Math.min(MAX_BUDGET, Math.max(MIN_BUDGET, bytesPerMs * DRAW_TARGET_MS)));
}
