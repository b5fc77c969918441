// The paint pacer on its own (renderer/src/terminal/paint-pacer.ts), on a clock
// the test sets: when a flood's paints are held and when a hold ends. What a
// person waits for is never held: a keystroke's echo, a burst smaller than
// FLOOD_BYTES, the answer to a key once the page has parsed all it has; a
// flood is still painted every PAINT_INTERVAL_MS; a flood that stops is
// painted once it has been quiet for QUIET_MS; and a program that drives
// synchronized output itself is left alone.
import { describe, expect, it } from 'vitest';
import {
  ANSWER_BYTES,
  ANSWER_QUIET_MS,
  FLOOD_BYTES,
  PAINT_INTERVAL_MS,
  PaintPacer,
  QUIET_MS,
} from '../renderer/src/terminal/paint-pacer.js';

const KiB = 1024;
const bytes = (n: number, fill = 0x41): Uint8Array => new Uint8Array(n).fill(fill);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A pacer that painted at `at` and then received `flood` bytes in 8 KiB frames, 1 ms apart; returns it holding. */
function flooding(at = 1000, flood = FLOOD_BYTES): { p: PaintPacer; now: number } {
  const p = new PaintPacer();
  p.painted(at);
  let now = at;
  let held = false;
  for (let got = 0; got < flood; got += 8 * KiB) held = p.received(++now, bytes(8 * KiB)) || held;
  expect(held).toBe(true);
  expect(p.holding).toBe(true);
  return { p, now };
}

describe('paint pacer: what is never held', () => {
  it('a keystroke echo, and bursts below FLOOD_BYTES between paints', () => {
    const p = new PaintPacer();
    p.painted(0);
    expect(p.received(1, text('a'))).toBe(false);
    let now = 10;
    for (let got = 0; got + 4 * KiB < FLOOD_BYTES; got += 4 * KiB)
      expect(p.received(now++, bytes(4 * KiB))).toBe(false);
    expect(p.drained(now)).toBe(false);
    expect(p.holding).toBe(false);
    expect(p.releaseAt).toBe(null);
  });

  it('nothing once the last paint is PAINT_INTERVAL_MS old: that paint is due, a hold would only skip it', () => {
    const p = new PaintPacer();
    p.painted(0);
    expect(p.received(PAINT_INTERVAL_MS, bytes(4 * FLOOD_BYTES))).toBe(false);
    expect(p.holding).toBe(false);
  });

  it('nothing, ever, once the output carries "?2026" (the program drives synchronized output), even split across frames', () => {
    const p = new PaintPacer();
    p.painted(0);
    expect(p.received(1, text('\x1b[?20'))).toBe(false);
    expect(p.received(2, text('26h'))).toBe(false);
    let now = 3;
    for (let i = 0; i < 10; i++) expect(p.received(now++, bytes(8 * KiB))).toBe(false);
    p.painted(now);
    for (let i = 0; i < 10; i++) expect(p.received(++now, bytes(8 * KiB))).toBe(false);
    expect(p.holding).toBe(false);
  });

  it('a "?" that does not start "?2026" leaves the pacer working', () => {
    const p = new PaintPacer();
    p.painted(0);
    p.received(1, text('what?? ?202 ?2025 ?'));
    expect(p.received(2, bytes(FLOOD_BYTES))).toBe(true);
  });
});

describe('paint pacer: a flood', () => {
  it('holds once FLOOD_BYTES came since the last paint, and asks for one hold only', () => {
    const { p, now } = flooding();
    expect(p.received(now + 1, bytes(8 * KiB))).toBe(false);
    expect(p.holding).toBe(true);
  });

  it('is painted every PAINT_INTERVAL_MS: the hold ends then, and the next starts only after that paint', () => {
    const { p, now } = flooding(1000);
    expect(p.releaseAt).toBe(1000 + PAINT_INTERVAL_MS);
    expect(p.due(1000 + PAINT_INTERVAL_MS - 1)).toBe(false);
    expect(p.due(1000 + PAINT_INTERVAL_MS)).toBe(true);
    expect(p.holding).toBe(false);
    // Bytes before the paint: no hold (it would make xterm.js skip the paint).
    expect(p.received(1000 + PAINT_INTERVAL_MS + 1, bytes(8 * KiB))).toBe(false);
    p.painted(1000 + PAINT_INTERVAL_MS + 5);
    // Still a flood: the first bytes after the paint start the next hold, without waiting for FLOOD_BYTES.
    expect(p.received(1000 + PAINT_INTERVAL_MS + 6, bytes(1 * KiB))).toBe(true);
    expect(p.releaseAt).toBe(1000 + 2 * PAINT_INTERVAL_MS + 5);
    expect(now).toBeLessThan(1000 + PAINT_INTERVAL_MS);
  });

  it('that pauses is painted after QUIET_MS without bytes; bytes before that keep the hold', () => {
    const { p, now } = flooding(1000);
    expect(p.drained(now)).toBe(false);
    expect(p.releaseAt).toBe(Math.min(now + QUIET_MS, 1000 + PAINT_INTERVAL_MS));
    // More came: not quiet after all.
    expect(p.received(now + 2, bytes(16 * KiB))).toBe(false);
    expect(p.releaseAt).toBe(1000 + PAINT_INTERVAL_MS);
    expect(p.drained(now + 3)).toBe(false);
    expect(p.due(now + 3 + QUIET_MS - 1)).toBe(false);
    expect(p.due(now + 3 + QUIET_MS)).toBe(true);
    // The flood ended: after the next paint, small output is not held again.
    p.painted(now + 3 + QUIET_MS + 1);
    expect(p.received(now + 3 + QUIET_MS + 2, bytes(4 * KiB))).toBe(false);
  });

  it('ends at once when the page drained a small frame after a key (the prompt after Ctrl+C)', () => {
    const { p, now } = flooding(1000);
    p.input(now + 1);
    // The bytes that were in flight still come: a full frame drained is not the answer yet.
    expect(p.received(now + 2, bytes(16 * KiB))).toBe(false);
    expect(p.drained(now + 3)).toBe(false);
    expect(p.releaseAt).toBe(now + 3 + ANSWER_QUIET_MS);
    expect(p.received(now + 4, text('^C\r\n$ '))).toBe(false);
    expect(p.drained(now + 5)).toBe(true);
    expect(p.holding).toBe(false);
    expect(p.releaseAt).toBe(null);
  });

  it('a frame of ANSWER_BYTES drained after a key ends it at once; one byte more waits ANSWER_QUIET_MS', () => {
    const a = flooding(1000);
    a.p.input(a.now);
    a.p.received(a.now + 1, bytes(ANSWER_BYTES));
    expect(a.p.drained(a.now + 2)).toBe(true);
    const b = flooding(1000);
    b.p.input(b.now);
    b.p.received(b.now + 1, bytes(ANSWER_BYTES + 1));
    expect(b.p.drained(b.now + 2)).toBe(false);
    expect(b.p.due(b.now + 2 + ANSWER_QUIET_MS)).toBe(true);
  });

  it('a drain once the paint is overdue ends the hold at once', () => {
    const { p } = flooding(1000);
    expect(p.drained(1000 + PAINT_INTERVAL_MS)).toBe(true);
    expect(p.holding).toBe(false);
  });

  it('due() and drained() without a hold ask for nothing', () => {
    const p = new PaintPacer();
    expect(p.due(1e9)).toBe(false);
    expect(p.drained(1e9)).toBe(false);
  });
});
