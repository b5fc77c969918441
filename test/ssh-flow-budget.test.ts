// The flow-control budget on its own (main/ssh/flow-rate.ts), on a simulated
// page and link the test steps through 1 ms at a time, so rates and delays
// are exact. The bytes queued in front of the page take at most about
// QUEUE_TARGET_MS to draw, for a slow page and a fast one; the budget grows
// for a page that waits for bytes (behind a long round trip: it is not
// starved), stays within its floor and ceiling, and does not grow while the
// output is held back by the producer, or for a page that waited for a person.
import { describe, expect, it } from 'vitest';
import { FlowBudget, INITIAL_BUDGET, MAX_BUDGET, MIN_BUDGET, QUEUE_TARGET_MS } from '../main/ssh/flow-rate.js';
import { ACK_EVERY_BYTES } from '../shared/terminal-protocol.js';

/** What the bridge sends at once (bytes): a few SSH packets of one socket read. */
const CHUNK = 16 * 1024;

/**
 * A bridge, a link taking `oneWayMs` each way and a page drawing `rate`
 * bytes/ms, acking every ACK_EVERY_BYTES drawn or when it runs dry; the
 * producer offers `produce` bytes/ms (Infinity: a flood). Runs `ms`; returns
 * what the page drew and the queueing delay the last bytes saw.
 */
class Rig {
  now = 0;
  rate: number;
  readonly oneWayMs: number;
  readonly b = new FlowBudget();
  unacked = 0;
  drawn = 0;
  #offered = 0;
  #inTransit: Array<{ at: number; bytes: number }> = [];
  #queued = 0;
  #acks: Array<{ at: number; bytes: number; idleMs: number }> = [];
  #drawnUnacked = 0;
  /** Ms the page had nothing to draw since its last ack. */
  #idleMs = 0;

  constructor(rate: number, oneWayMs = 0) {
    this.rate = rate;
    this.oneWayMs = oneWayMs;
  }

  run(ms: number, produce = Infinity): void {
    for (const end = this.now + ms; this.now < end; this.now++) {
      this.#offered = Math.min(this.#offered + produce, 4 * MAX_BUDGET);
      while (this.unacked < this.b.budget && this.#offered >= 1) {
        const bytes = Math.floor(Math.min(CHUNK, this.#offered, this.b.budget - this.unacked + 1));
        this.#offered -= bytes;
        this.unacked += bytes;
        this.b.sent(this.now, bytes);
        this.#inTransit.push({ at: this.now + this.oneWayMs, bytes });
      }
      while (this.#inTransit.length > 0 && (this.#inTransit[0] as { at: number }).at <= this.now)
        this.#queued += (this.#inTransit.shift() as { bytes: number }).bytes;
      const draw = Math.min(this.#queued, this.rate);
      this.#queued -= draw;
      this.drawn += draw;
      this.#drawnUnacked += draw;
      this.#idleMs += 1 - draw / this.rate;
      if (this.#drawnUnacked >= ACK_EVERY_BYTES || (this.#queued === 0 && this.#drawnUnacked > 0)) {
        this.#acks.push({ at: this.now + this.oneWayMs, bytes: this.#drawnUnacked, idleMs: this.#idleMs });
        this.#drawnUnacked = 0;
        this.#idleMs = 0;
      }
      while (this.#acks.length > 0 && (this.#acks[0] as { at: number }).at <= this.now) {
        const ack = this.#acks.shift() as { bytes: number; idleMs: number };
        const limited = this.unacked >= this.b.budget / 2;
        this.unacked -= ack.bytes;
        this.b.acked(this.now, ack.bytes, limited, ack.idleMs);
      }
    }
  }
}

/**
 * A prompt first, as every session has (the round trip is measured), then a
 * flood for `settleMs`: over the next 3 s the page draws at ≥ 95 % of its
 * rate, with the round trip's worth in flight and at most about
 * QUEUE_TARGET_MS more.
 */
function expectKeptBusyBehind(rig: Rig, settleMs: number): void {
  const rtt = 2 * rig.oneWayMs;
  rig.run(rtt + 50, 1);
  rig.run(settleMs);
  const before = rig.drawn;
  rig.run(3000);
  expect((rig.drawn - before) / 3000).toBeGreaterThan(0.95 * rig.rate);
  expect(rig.b.budget).toBeGreaterThan(rig.rate * rtt);
  expect(rig.b.budget).toBeLessThan(rig.rate * (rtt + 1.5 * QUEUE_TARGET_MS) + 2 * ACK_EVERY_BYTES);
}

describe('flow budget', () => {
  it('is INITIAL_BUDGET before the first ack', () => {
    expect(new FlowBudget().budget).toBe(INITIAL_BUDGET);
  });

  it('queues no more than about QUEUE_TARGET_MS in front of a page, whether it draws slowly or fast', () => {
    // Above the target by up to the page's ack granularity: bytes drawn wait in the page for their ack.
    const most = (rate: number): number => Math.max(MIN_BUDGET, 1.5 * rate * QUEUE_TARGET_MS + 2 * ACK_EVERY_BYTES);
    const rig = new Rig(3000); // 3 MB/s
    rig.run(3000);
    expect(rig.b.budget).toBeLessThan(most(3000));
    rig.rate = 12_000;
    rig.run(3000);
    expect(rig.b.budget).toBeLessThan(most(12_000));
    rig.rate = 2000;
    rig.run(3000);
    expect(rig.b.budget).toBeLessThan(most(2000));
    rig.rate = 500; // a page in a busy tab
    rig.run(3000);
    expect(rig.b.budget).toBe(MIN_BUDGET);
  });

  it('grows for a page that waits for bytes, and only as far as it stops waiting', () => {
    // 12 MB/s behind a 20 ms round trip: 240 KB in flight keep it busy.
    expectKeptBusyBehind(new Rig(12_000, 10), 2000);
  });

  it('keeps the page drawing at full speed', () => {
    const rig = new Rig(5000);
    rig.run(1000);
    const before = rig.drawn;
    rig.run(4000);
    expect((rig.drawn - before) / 4000).toBeGreaterThan(0.97 * 5000);
  });

  it('covers a long round trip outside the page: the page is not starved, the queue stays near the target', () => {
    const rig = new Rig(3000, 75); // 150 ms there and back
    expectKeptBusyBehind(rig, 1000);
    expect(rig.b.baseMs).toBeGreaterThan(140);
  });

  it('stays between MIN_BUDGET and MAX_BUDGET', () => {
    const slow = new Rig(100); // 100 kB/s: a page in a hidden, throttled tab
    slow.run(20_000);
    expect(slow.b.budget).toBe(MIN_BUDGET);
    const fast = new Rig(200_000, 5); // 200 MB/s
    fast.run(50, 1); // a prompt first, as every session has: the round trip is measured
    fast.run(3000);
    expect(fast.b.budget).toBe(MAX_BUDGET);
  });

  it('does not grow while the producer, not the budget, holds the output back', () => {
    const rig = new Rig(5000);
    rig.run(5000, 50); // 50 kB/s of output to a page that draws 5 MB/s
    expect(rig.b.budget).toBeLessThanOrEqual(INITIAL_BUDGET);
  });

  it('a page that waited for a person before a flood does not count that wait as starving', () => {
    const b = new FlowBudget();
    for (let t = 0; t < 200; t += 2) {
      // a prompt and keystroke echoes, each acked at once after seconds of waiting
      b.sent(t * 100, 10);
      b.acked(t * 100 + 1, 10, false, 5000);
    }
    expect(b.budget).toBe(INITIAL_BUDGET);
    // The flood's first acks carry the wait before it: the budget does not grow for it.
    b.sent(30_000, 256 * 1024);
    for (let i = 1; i <= 8; i++) b.acked(30_000 + i * 10, 32 * 1024, true, i === 1 ? 60_000 : 0);
    expect(b.budget).toBeLessThanOrEqual(INITIAL_BUDGET);
  });

  it('an ack with nothing sent, or of nothing, changes nothing', () => {
    const b = new FlowBudget();
    b.acked(10, 1_000_000, true);
    expect(b.queueMs).toBeNull();
    b.sent(20, 1000);
    b.acked(10_000, 0, true);
    expect(b.queueMs).toBeNull();
    expect(b.budget).toBe(INITIAL_BUDGET);
  });
});
