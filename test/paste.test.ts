// The paste sanitiser every terminal paste path goes through (shared/paste.ts).
import { describe, expect, it } from 'vitest';
import { LARGE_PASTE_CHARS, pasteLines, pasteNeedsConfirmation, sanitizePaste } from '../shared/paste.js';

const ESC = '\x1b';

describe('sanitizePaste', () => {
  it('removes an embedded end-of-paste marker so the bracket cannot close early', () => {
    const breakout = `echo a${ESC}[201~; touch /tmp/x; echo out\r`;
    expect(sanitizePaste(breakout)).toEqual({ text: 'echo a[201~; touch /tmp/x; echo out\r', removed: 1 });
  });

  it('removes ESC, the one-byte C1 CSI and every other C1 and C0 control, keeping TAB, LF and CR', () => {
    const all = Array.from({ length: 0xa0 }, (_, i) => String.fromCharCode(i)).join('');
    const { text, removed } = sanitizePaste(all);
    expect([...text].map((c) => c.charCodeAt(0).toString(16))).toEqual([
      '9',
      'a',
      'd',
      ...Array.from({ length: 0x7f - 0x20 }, (_, i) => (0x20 + i).toString(16)),
    ]);
    expect(removed).toBe(0xa0 - 3 - (0x7f - 0x20));
    expect(sanitizePaste(`a\u009b201~b`).text).toBe('a201~b');
  });

  it('keeps text: Unicode, CJK, emoji, split surrogate pairs untouched', () => {
    const text = 'ls -la ~/文档 && echo "✓ 🙂"\tok';
    expect(sanitizePaste(text)).toEqual({ text, removed: 0 });
  });
});

describe('pasteNeedsConfirmation', () => {
  it('asks for several lines (LF alone counts, so does CR) and for long text', () => {
    expect(pasteNeedsConfirmation('ls')).toBe(false);
    expect(pasteNeedsConfirmation('ls\n')).toBe(true);
    expect(pasteNeedsConfirmation('a\nb')).toBe(true);
    expect(pasteNeedsConfirmation('a\rb')).toBe(true);
    expect(pasteNeedsConfirmation('x'.repeat(LARGE_PASTE_CHARS))).toBe(false);
    expect(pasteNeedsConfirmation('x'.repeat(LARGE_PASTE_CHARS + 1))).toBe(true);
  });

  it('splits lines as a terminal would for the preview', () => {
    expect(pasteLines('a\r\nb\nc\rd')).toEqual(['a', 'b', 'c', 'd']);
  });
});
