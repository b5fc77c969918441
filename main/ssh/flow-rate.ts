// How many terminal bytes may be on their way to the page at once: as few as
// keep the page drawing without a pause, and never so many that a byte sent
// now waits more than about QUEUE_TARGET_MS behind the others.
//
// Everything between sshd and xterm.js's screen is a queue: the SSH window the
// server may still fill, ssh2's channel buffer, the bridge, the gateway's
// WebSocket send buffer, the page's receive queue and xterm's write buffer.
// After Ctrl+C the prompt is drawn only once all of it is drawn (the pty
// discards only what is still in its own output queue), so the time the bytes
// in flight take to drain is the delay a person sees.
//
// Two signals from the page's acks steer the budget, once per round (one
// change, then none until bytes sent after it are acked, as TCP Vegas changes
// its window once per round trip):
//   - Starving: each ack says how long the page sat with nothing to draw since
//     the previous one. A page idle for a share of the round would have drawn
//     that much more with more in flight, so the budget grows by that share
//     (budget × round / busy time). This is the only reason to grow: once the
//     page never waits, more in flight adds delay and no throughput (the
//     observation behind BBR's "as much as the pipe holds, no more").
//   - Queueing: each ack tells how long the bytes it covers took from the
//     bridge to the page's screen. The part a page with nothing queued also
//     sees (the round trip outside the page, measured from small acks after
//     bytes went to an idle page) is the base, as in LEDBAT (RFC 6817 §2.4);
//     one ack's worth of drawing is the page's ack granularity; the rest is
//     queueing. Above QUEUE_TARGET_MS, in a round in which the page did not
//     wait, the budget shrinks by the bytes that put it back at the target.
// A page that draws fast behind a short round trip thus settles near the
// floor, with the least in front of Ctrl+C; a page behind a long round trip
// gets what covers the round trip, and a slow page about QUEUE_TARGET_MS of
// its drawing.
//
// Measured (same-run A/B of `seq` floods in headless Chromium, real sshd,
// loopback; three rounds of five Ctrl+C): a fixed 64 KiB in flight gave
// Ctrl+C p50 64 ms at 3.78 MB/s drawn, 128 KiB 75 ms at 3.67 MB/s, and
// steering to a 10 ms queue (settling at 110–270 KiB) 88 ms at 3.61 MB/s. So
// on loopback the least that keeps the page busy is also the fastest. Against
// the delay-steered budget it replaces, this one drew 3.51 against 2.75 and
// 2.96 against 2.63 MB/s, with Ctrl+C p50 57 against 70 and 63 against 64 ms.
//
// Pure: no I/O; the caller passes the clock.
import { ACK_EVERY_BYTES } from '../../shared/terminal-protocol.js';

/**
 * The most queueing delay (ms) the budget allows in front of the page: what
 * the bytes in flight may add to a keystroke's effect, on top of the round
 * trip outside the page. Above it the budget shrinks; below it the budget
 * grows only for a page that waits for bytes.
 */
export const QUEUE_TARGET_MS = 10;
/**
 * Never less than this in flight (bytes): two of the page's acks
 * (ACK_EVERY_BYTES, shared/terminal-protocol.ts), so one ack always finds the
 * window open again.
 */
export const MIN_BUDGET = 2 * ACK_EVERY_BYTES;
/** Never more than this (bytes): the fixed window Hostdeck used before, chosen for throughput alone. */
export const MAX_BUDGET = 2 * 1024 * 1024;
/** Before the first ack: about 100 ms of a page drawing 2.5 MB/s (bench/app.bench.ts). */
export const INITIAL_BUDGET = 256 * 1024;
/**
 * A base sample is an ack of at most this many bytes (a prompt, an echo, a
 * line): drawing them takes well under a millisecond, so their delay is the
 * round trip alone.
 */
const BASE_SAMPLE_BYTES = 4 * 1024;
/** Base-delay samples kept; the base is their median. */
const BASE_SAMPLES = 8;
/**
 * At most this change (factor) per round: one change, then none until the
 * bytes sent after it are acked, since only they show its effect (as TCP
 * Vegas changes its window once per round trip).
 */
const MAX_SHRINK = 0.5;
const MAX_GROW = 2;
/**
 * A round in which the page waited for bytes at least this share of the time
 * starved it; less is noise (a paint or a garbage collection just as the page
 * ran dry reads as waiting).
 */
const STARVED_SHARE = 0.05;
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
  #idleStart: { from: number; end: number; at: number } | null = null;
  readonly #bases: number[] = [];
  #queueMs: number | null = null;
  /** When the budget last changed (ms): no change again until bytes sent after it are acked. */
  #changedAt = -Infinity;
  /** Where the current round started (ms, bytes acked then): its delivery rate is measured over it. */
  #roundAt: number | null = null;
  #roundAcked = 0;
  /** The last round's delivery rate (bytes/ms), or null before one. */
  #rate: number | null = null;
  /** How long the page said it waited for bytes this round (ms). */
  #roundIdleMs = 0;
  /** Whether the budget was holding the output back at the last ack. */
  #wasLimited = false;

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
    if (idle) this.#idleStart = { from: this.#acked, end: this.#sent, at: now };
    const last = this.#marks[this.#marks.length - 1];
    // Chunks sent in the same ms, or past MAX_MARKS, count as sent with the one before.
    if (last && (last.at === now || this.#marks.length >= MAX_MARKS)) last.end = this.#sent;
    else this.#marks.push({ end: this.#sent, at: now });
  }

  /**
   * The page acked `bytes` at `now` (ms), having waited `idleMs` for bytes
   * since its previous ack; `limited` says the budget, not the producer, was
   * holding the output back (in flight at least half of it).
   */
  acked(now: number, bytes: number, limited: boolean, idleMs = 0): void {
    if (bytes <= 0) return;
    // Waiting counts only after an ack that found the budget full: before that, the page
    // waited for a producer with nothing to say (a prompt, a person typing).
    if (this.#wasLimited) this.#roundIdleMs += Math.max(0, idleMs);
    this.#wasLimited = limited;
    this.#acked = Math.min(this.#sent, this.#acked + bytes);
    let at: number | null = null;
    while (this.#marks.length > 0 && (this.#marks[0] as { end: number }).end <= this.#acked)
      at = (this.#marks.shift() as { at: number }).at;
    const idle = this.#idleStart;
    if (idle && idle.end <= this.#acked) {
      // Nothing was queued ahead of that chunk: all of its delay is the base, if the ack came
      // before the page drew much (a flood's first ack comes after ACK_EVERY_BYTES drawn).
      this.#idleStart = null;
      if (this.#acked - idle.from <= BASE_SAMPLE_BYTES) {
        this.#bases.push(Math.max(0, now - idle.at));
        if (this.#bases.length > BASE_SAMPLES) this.#bases.shift();
      }
    }
    if (at === null) return;
    // One ack's worth of the delay is the page's ack granularity, not a queue: the page acks
    // every ACK_EVERY_BYTES drawn, so bytes drawn wait up to that long for their ack, and the
    // budget reopens in ack-sized bursts that wait for their own first bytes. Counted as queue
    // (~11 ms at 3 MB/s), it made a starved page behind a long round trip look at the target.
    const granularity = this.#rate === null ? 0 : ACK_EVERY_BYTES / this.#rate;
    const queue = Math.max(0, now - at - this.baseMs - granularity);
    this.#queueMs = queue;
    if (at <= this.#changedAt) return;
    this.#steer(now, queue, limited);
  }

  /** Once per round: grow for a page that starved, shrink for one with more than QUEUE_TARGET_MS queued. */
  #steer(now: number, queue: number, limited: boolean): void {
    const roundAt = this.#roundAt;
    const roundBytes = this.#acked - this.#roundAcked;
    const idle = this.#roundIdleMs;
    this.#roundAt = now;
    this.#roundAcked = this.#acked;
    this.#roundIdleMs = 0;
    this.#changedAt = now;
    if (roundAt === null || now <= roundAt) return;
    const roundMs = now - roundAt;
    const rate = roundBytes / roundMs;
    this.#rate = rate;
    let wanted = this.#budget;
    const waited = Math.min(idle, roundMs);
    if (limited && waited >= STARVED_SHARE * roundMs) {
      // Busy for (round − waited) ms of the round: with budget × round / busy in flight
      // it would have been busy all of it. This comes first: a page that waited lost drawing
      // it cannot make up, while a queue reading also rises when the page stalls on its own
      // (a paint, a long parse) with bytes waiting in front of it, which fewer bytes would
      // not shorten. Shrinking first cost 6–25 % of throughput in same-run A/B runs.
      wanted = (this.#budget * roundMs) / Math.max(1, roundMs - waited);
    } else if (queue > QUEUE_TARGET_MS) {
      // The page drew about `rate` bytes/ms this round: the bytes that put the queue at the target.
      wanted = this.#budget - rate * (queue - QUEUE_TARGET_MS);
    } else return;
    const bounded = Math.min(MAX_GROW * this.#budget, Math.max(MAX_SHRINK * this.#budget, wanted));
    this.#budget = Math.min(MAX_BUDGET, Math.max(MIN_BUDGET, bounded));
  }
}
