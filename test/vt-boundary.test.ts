// renderer/src/terminal/vt-boundary.ts: where the page may put its own
// sequence into a terminal stream. Fed whole, in 1-byte chunks and split at
// every offset, it must agree; and the paint pacer never starts a hold inside
// one of the program's sequences.
import { describe, expect, it } from 'vitest';
import { VtBoundary } from '../renderer/src/terminal/vt-boundary.js';
import { FLOOD_BYTES, PaintPacer } from '../renderer/src/terminal/paint-pacer.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function endsAtBoundary(chunks: string[]): boolean {
  const vt = new VtBoundary();
  for (const c of chunks) vt.scan(enc(c));
  return vt.atBoundary;
}

describe('VtBoundary', () => {
  const cases: Array<[string, boolean]> = [
    ['plain text', true],
    ['\x1b[38;5;196mred\x1b[0m', true],
    ['\x1b[38;5;19', false],
    ['\x1b', false],
    ['\x1b[', false],
    ['\x1b[?2026', false],
    ['\x1b[?2026h', true],
    ['\x1b]0;title', false],
    ['\x1b]0;title\x07', true],
    ['\x1b]7;file://h/tmp\x1b', false],
    ['\x1b]7;file://h/tmp\x1b\\', true],
    ['\x1bP1$r0m', false],
    ['\x1bP1$r0m\x1b\\', true],
    ['\x1b(B', true],
    ['\x1b(', false],
    ['\x1b7', true],
    ['\x1b[31\x18x', true],
    ['\x1b]0;t\x1b[1m', true],
    ['\x1b[1\x1b[2m', true],
    ['中文\x1b[1m字', true],
  ];

  it.each(cases)('%j ends at a boundary: %s', (text, want) => {
    expect(endsAtBoundary([text])).toBe(want);
    expect(endsAtBoundary([...text])).toBe(want);
    const bytes = enc(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const vt = new VtBoundary();
      vt.scan(bytes.subarray(0, cut));
      vt.scan(bytes.subarray(cut));
      expect(vt.atBoundary, `cut at ${cut}`).toBe(want);
    }
  });

  it('follows a sequence open across many chunks', () => {
    expect(endsAtBoundary(['\x1b]2;', 'a'.repeat(1000), 'b', '\x07', 'text'])).toBe(true);
    expect(endsAtBoundary(['\x1b]2;', 'a'.repeat(1000), 'b'])).toBe(false);
  });
});

describe('PaintPacer at sequence boundaries', () => {
  it('starts no hold when the output so far ends inside a sequence, and holds at the next boundary', () => {
    const pacer = new PaintPacer();
    pacer.painted(0);
    const flood = enc('x'.repeat(FLOOD_BYTES));
    expect(pacer.received(1, enc('\x1b[38;5;'))).toBe(false);
    expect(pacer.atBoundary).toBe(false);
    // Enough bytes for a hold, but the stream is inside the sequence before them.
    expect(pacer.received(2, flood)).toBe(false);
    expect(pacer.atBoundary).toBe(true);
    expect(pacer.received(3, flood)).toBe(true);
  });
});
