// The flow-control budget on its own (main/ssh/flow-rate.ts): a controlled
// stream of sends and acks on a clock the test moves, so the drawing rate is
// exact. The budget follows what the page draws in DRAW_TARGET_MS: it shrinks
// for a slow page, grows for a fast one, stays within its floor and ceiling;
// time the page spends waiting for bytes never counts as drawing, and a long
// round trip widens the budget so the page is not starved.
import { describe, expect, it } from 'vitest';
import { DRAW_TARGET_MS, DrawRate, INITIAL_BUDGET, MAX_BUDGET, MIN_BUDGET, flowBudget } from '../main/ssh/flow-rate.js';
import { ACK_EVERY_BYTES } from '../shared/terminal-protocol.js';

/** A page that always has bytes queued and draws `rate` bytes/ms, acking every ACK_EVERY_BYTES. */
function drawBusy(r: DrawRate, clock: { now: number }, rate: number, bytes: number): void {
  r.sent(clock.now);
  for (let done = 0; done < bytes; done += ACK_EVERY_BYTES) {
    clock.now += ACK_EVERY_BYTES / rate;
    r.acked(clock.now, ACK_EVERY_BYTES, 1);
  }
}

describe('flow budget', () => {
  it('before any drawing it is INITIAL_BUDGET; a few ms of drawing are not a sample yet', () => {
    const r = new DrawRate();
    expect(flowBudget(r.bytesPerMs)).toBe(INITIAL_BUDGET);
    r.sent(0);
    r.acked(1, 64 * 1024, 0);
    expect(r.bytesPerMs).toBeNull();
    expect(flowBudget(r.bytesPerMs)).toBe(INITIAL_BUDGET);
  });

  it('follows the page: what it draws in DRAW_TARGET_MS, shrinking when it slows and growing when it speeds up', () => {
    const r = new DrawRate();
    const clock = { now: 0 };
    drawBusy(r, clock, 3000, 8 * 1024 * 1024); // 3 MB/s
    const slow = flowBudget(r.bytesPerMs);
    expect(slow).toBeGreaterThan(0.95 * 3000 * DRAW_TARGET_MS);
    expect(slow).toBeLessThan(1.05 * 3000 * DRAW_TARGET_MS);
    drawBusy(r, clock, 12_000, 32 * 1024 * 1024); // 12 MB/s
    const fast = flowBudget(r.bytesPerMs);
    expect(fast).toBeGreaterThan(0.95 * 12_000 * DRAW_TARGET_MS);
    expect(fast).toBeLessThan(1.05 * 12_000 * DRAW_TARGET_MS);
    drawBusy(r, clock, 2000, 8 * 1024 * 1024); // and back down
    expect(flowBudget(r.bytesPerMs)).toBeLessThan(1.1 * 2000 * DRAW_TARGET_MS);
  });

  it('stays between MIN_BUDGET and MAX_BUDGET', () => {
    const r = new DrawRate();
    const clock = { now: 0 };
    drawBusy(r, clock, 100, 2 * 1024 * 1024); // 100 kB/s: a page in a hidden, throttled tab
    expect(flowBudget(r.bytesPerMs)).toBe(MIN_BUDGET);
    drawBusy(r, clock, 200_000, 256 * 1024 * 1024); // 200 MB/s
    expect(flowBudget(r.bytesPerMs)).toBe(MAX_BUDGET);
  });

  it('time spent waiting for bytes is not drawing: a starved page keeps its budget', () => {
    const r = new DrawRate();
    const clock = { now: 0 };
    drawBusy(r, clock, 5000, 8 * 1024 * 1024);
    const before = flowBudget(r.bytesPerMs);
    // Now bytes trickle: each burst is drawn at the same speed, then the page waits 500 ms.
    for (let i = 0; i < 50; i++) {
      r.sent(clock.now);
      clock.now += 4096 / 5000;
      r.acked(clock.now, 4096, 0);
      clock.now += 500;
    }
    expect(flowBudget(r.bytesPerMs)).toBeGreaterThan(0.9 * before);
  });

  it('a page that waits with bytes still on their way is not taken for a slow one', () => {
    // Main cannot tell bytes in transit from bytes queued in the page: bursts
    // drawn back to back at 4 MB/s, each after 80 ms of waiting with bytes
    // "unacked". The best recent sample is the page's real speed.
    const r = new DrawRate();
    const clock = { now: 0 };
    r.sent(0);
    for (let burst = 0; burst < 20; burst++) {
      clock.now += 80;
      for (let i = 0; i < 4; i++) {
        clock.now += ACK_EVERY_BYTES / 4000;
        r.acked(clock.now, ACK_EVERY_BYTES, 1);
      }
    }
    expect(r.bytesPerMs).toBeGreaterThan(0.95 * 4000);
    expect(r.bytesPerMs).toBeLessThan(1.05 * 4000);
  });

  it('a round trip outside the page longer than DRAW_TARGET_MS widens the budget to cover it (throughput)', () => {
    const r = new DrawRate();
    const clock = { now: 0 };
    drawBusy(r, clock, 3000, 4 * 1024 * 1024);
    r.acked(clock.now, 1, 0); // everything drawn: the page is idle
    expect(r.lagMs).toBe(0);
    for (let i = 0; i < 8; i++) {
      clock.now += 10;
      r.sent(clock.now);
      clock.now += 150 + 4096 / 3000; // 150 ms there and back, plus the drawing
      r.acked(clock.now, 4096, 0);
    }
    expect(r.lagMs).toBeCloseTo(150, 0);
    expect(flowBudget(r.bytesPerMs, r.lagMs)).toBeGreaterThan(0.95 * 3000 * 1.25 * 150);
    expect(flowBudget(r.bytesPerMs, r.lagMs)).toBeLessThan(1.05 * 3000 * 1.25 * 150);
    // A short round trip leaves the budget at DRAW_TARGET_MS of drawing.
    expect(flowBudget(3000, 20)).toBe(3000 * DRAW_TARGET_MS);
  });

  it('an ack with nothing sent, or of nothing, changes nothing', () => {
    const r = new DrawRate();
    r.acked(10, 1_000_000, 0);
    expect(r.bytesPerMs).toBeNull();
    r.sent(20);
    r.acked(10_000, 0, 0);
    expect(r.bytesPerMs).toBeNull();
  });
});
