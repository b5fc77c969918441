// How many terminal bytes may be on their way to the page at once, held so
// that a byte sent now waits about QUEUE_TARGET_MS behind the others before
// the page has drawn it.
//
// Everything between sshd and xterm.js's screen is a queue: the SSH window the
// server may still fill, ssh2's channel buffer, the bridge, the gateway's
// WebSocket send buffer, the page's receive queue and xterm's write buffer.
// After Ctrl+C the prompt is drawn only once all of it is drawn (the pty
// discards only what is still in its own output queue), so the time the bytes
// in flight take to drain is the delay a person sees.
//
// The budget is steered by that delay itself, as delay-based congestion
// control does (TCP Vegas; LEDBAT, RFC 6817 §2.4): each ack tells how long the
// bytes it covers took from the bridge to the page's screen. The part of that
// delay that a page with nothing queued also sees (the round trip outside the
// page, measured from the first ack after bytes went to an idle page) is the
// base; what is above it is queueing. Queueing above QUEUE_TARGET_MS shrinks
// the budget, queueing below it grows the budget, but only while the budget is
// what holds the output back (a slow producer leaves it alone). A page that
// draws r bytes/ms thus settles at about r × QUEUE_TARGET_MS queued plus what
// is in transit, whatever r is, and a page that gets no bytes fast enough
// (queueing near 0) gets a larger budget until it does.
//
// This replaces an estimate of the drawing rate (bytes acked per ms of busy
// time, times a target): main cannot see when a page is really busy, acks
// arrive in bunches, and the estimate ran 1.5–3× above what the page drew,
// so bytes in flight at Ctrl+C were 2–3× the target.
//
// Pure: no I/O; the caller passes the clock.

/**
 * The queueing delay (ms) the budget aims at: what the bytes in flight add to
 * a keystroke's effect. 20 ms, not the 40 ms chosen first: in same-run A/B
 * runs of `seq` floods in the page (three runs, load 2–12), Ctrl+C reached
 * the prompt sooner (median 79–114 ms against 118–187 ms) and throughput was
 * no lower (2.87, 1.41, 1.47 MB/s against 2.48, 1.20, 0.98). The round trip
 * outside the page (base) is 2–60 ms on a busy machine and is added on top.
 */
export const QUEUE_TARGET_MS = 20;
/**
 * Never less than this in flight (bytes): two of the page's acks
 * (ACK_EVERY_BYTES, shared/terminal-protocol.ts), so one ack always finds the
 * window open again.
 */
export const MIN_BUDGET = 64 * 1024;
/** Never more than this (bytes): the fixed window Hostdeck used before, chosen for throughput alone. */
export const MAX_BUDGET = 2 * 1024 * 1024;
/** Before the first ack: about 100 ms of a page drawing 2.5 MB/s (bench/app.bench.ts). */
export const INITIAL_BUDGET = 256 * 1024;
/** Base-delay samples kept; the base is their median. */
const BASE_SAMPLES = 8;
/**
 * At most this change (factor) per round: one change, then none until the
 * bytes sent after it are acked, since only they show its effect (as TCP
 * Vegas changes its window once per round trip).
 */
const MAX_SHRINK = 0.5;
const MAX_GROW = 2;
/** Sent marks kept (a page that never acks must not grow them without bound); older ones merge. */
const MAX_MARKS = 4096;

/**
 * The bytes-in-flight budget of one terminal, from the sends and acks of its
 * page. Feed it sent() for every chunk pushed to the page and acked() for
 * every ack; read `budget`.
 */
export class FlowBudget {
  #budget = INITIAL_BUDGET;
  /** Bytes sent and acked since the start (running totals). */
  #sent = 0;
  #acked = 0;
  /** For each chunk sent: the running total after it, and when it was sent (ms). */
  #marks: Array<{ end: number; at: number }> = [];
  /** The first chunk sent to a page that had nothing unacked: the ack that covers it is a base sample. */
  #idleStart: { end: number; at: number } | null = null;
  readonly #bases: number[] = [];
  #queueMs: number | null = null;
  /** When the budget last changed (ms): no change again until bytes sent after it are acked. */
  #changedAt = -Infinity;
  /** Where the current round started (ms, bytes acked then): its delivery rate is measured over it. */
  #roundAt: number | null = null;
  #roundAcked = 0;

  /** Bytes allowed in flight now, MIN_BUDGET..MAX_BUDGET. */
  get budget(): number {
    return Math.round(this.#budget);
  }

  /** The round trip outside the page (ms): median of the recent base samples; 0 before the first. */
  get baseMs(): number {
    if (this.#bases.length === 0) return 0;
    const sorted = [...this.#bases].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  /** The queueing delay (ms) the last ack showed, or null before one. */
  get queueMs(): number | null {
    return this.#queueMs;
  }

  /** `bytes` went to the page at `now` (ms). */
  sent(now: number, bytes: number): void {
    if (bytes <= 0) return;
    const idle = this.#sent === this.#acked;
    this.#sent += bytes;
    if (idle) this.#idleStart = { end: this.#sent, at: now };
    const last = this.#marks[this.#marks.length - 1];
    // Chunks sent in the same ms, or past MAX_MARKS, count as sent with the one before.
    if (last && (last.at === now || this.#marks.length >= MAX_MARKS)) last.end = this.#sent;
    else this.#marks.push({ end: this.#sent, at: now });
  }

  /**
   * The page acked `bytes` at `now` (ms); `limited` says the budget, not the
   * producer, was holding the output back (in flight at least half of it).
   */
  acked(now: number, bytes: number, limited: boolean): void {
    if (bytes <= 0) return;
    this.#acked = Math.min(this.#sent, this.#acked + bytes);
    let at: number | null = null;
    while (this.#marks.length > 0 && (this.#marks[0] as { end: number }).end <= this.#acked)
      at = (this.#marks.shift() as { at: number }).at;
    const idle = this.#idleStart;
    if (idle && idle.end <= this.#acked) {
      // Nothing was queued ahead of that chunk: all of its delay is the base.
      this.#idleStart = null;
      this.#bases.push(Math.max(0, now - idle.at));
      if (this.#bases.length > BASE_SAMPLES) this.#bases.shift();
    }
    if (at === null) return;
    const delay = Math.max(0, now - at);
    const queue = Math.max(0, delay - this.baseMs);
    this.#queueMs = queue;
    if (at <= this.#changedAt) return;
    const roundAt = this.#roundAt;
    const roundBytes = this.#acked - this.#roundAcked;
    this.#roundAt = now;
    this.#roundAcked = this.#acked;
    this.#changedAt = now;
    if (roundAt === null || now <= roundAt) return;
    // The page drew about `rate` bytes/ms this round and `queue` ms of them were queued:
    // move the budget by the bytes that put the queue at the target.
    const rate = roundBytes / (now - roundAt);
    const wanted = this.#budget + rate * (QUEUE_TARGET_MS - queue);
    if (wanted > this.#budget && !limited) return;
    const bounded = Math.min(MAX_GROW * this.#budget, Math.max(MAX_SHRINK * this.#budget, wanted));
    this.#budget = Math.min(MAX_BUDGET, Math.max(MIN_BUDGET, bounded));
  }
}
