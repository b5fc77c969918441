// The paint pacer in the page (renderer/src/terminal/terminal-session.ts,
// paint-pacer.ts), serve mode, real Chromium, real sshd: a flood's paints are
// held (the terminal element carries data-paint-held while they are), every
// byte still reaches the terminal in order, and every hold ends: after the
// flood ends on its own, and after Ctrl+C in a flood, no hold is left and the
// prompt is there. The page's acks, which main's flow control steers by, cover
// every byte received and say how long the page waited for bytes. Asserts
// content and state, never time.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { sharedAppPage } from './support/app-rig.js';
import type { Sshd } from './support/sshd.js';
import { openSshTab, terminalText, typeInTerminal } from './support/app-page.js';
import { saveShot } from './support/shots.js';
import { ACK_EVERY_BYTES, parsePageControl } from '../shared/terminal-protocol.js';
import {
  countHolds,
  expectFloodInOrder,
  expectInterruptLeavesNoHold,
  held,
  holds,
} from './support/paint-pacer-flow.js';

let sshd: Sshd;
let page: Page;
/** The terminal socket's frames as Chromium sees them: sizes of output frames, and the page's control messages. */
const frames = { got: [] as number[], sent: [] as unknown[] };
sharedAppPage(
  (rig) => {
    ({ sshd, page } = rig);
    page.on('websocket', (ws) => {
      if (ws.url().includes('/api?')) return;
      ws.on('framereceived', (f) => {
        if (typeof f.payload !== 'string') frames.got.push(f.payload.length);
      });
      ws.on('framesent', (f) => {
        if (typeof f.payload === 'string') frames.sent.push(JSON.parse(f.payload));
      });
    });
  },
  { width: 1280, height: 800 },
);

const LAST = 500_000;

const holdsNow = (): Promise<number> => holds(page);
const heldNow = (): Promise<number> => held(page);

describe('paint pacing in a flood (serve mode)', () => {
  it('holds paints in a flood, draws every line in order, and leaves no hold when the flood ends', async () => {
    await openSshTab(page, sshd);
    await expectFloodInOrder(page, LAST);
    await saveShot(page, 'flow-paint-pacer-after-flood');
  });

  it('a flood of coloured text: the pacer never cuts a control sequence (no sequence text on screen)', async () => {
    await countHolds(page);
    // 9,000 lines (all of them stay in the scrollback), five SGR-coloured
    // words each, written by cat in large blocks, so the WebSocket frames end
    // at arbitrary bytes, often inside a sequence. A hold or release put
    // there would print the rest of the program's sequence ("5;196m") as text.
    const word = (sgr: string, letter: string): string => `\\x1b[${sgr}m${letter}&\\x1b[0m`;
    const line = [
      word('38;5;196', 'a'),
      word('1;32', 'b'),
      word('4', 'c'),
      word('38;2;10;20;30', 'd'),
      word('7', 'e'),
    ].join(' ');
    await typeInTerminal(
      page,
      `f=$(mktemp); seq 1 9000 | sed 's/.*/${line}/' > $f; cat $f; rm -f $f; echo colour-done`,
    );
    await expect.poll(() => terminalText(page), { timeout: 120_000, interval: 500 }).toMatch(/\ncolour-done\n/);
    expect(await holdsNow()).toBeGreaterThan(0);
    await expect.poll(heldNow).toBe(0);
    // Every line intact, in order: a cut sequence leaves its rest in a line, which then fails the pattern.
    const text = await terminalText(page);
    const numbers = text
      .split('\n')
      .flatMap((l) => /^a(\d+) b\1 c\1 d\1 e\1$/.exec(l)?.[1] ?? [])
      .map(Number);
    expect(numbers).toEqual(Array.from({ length: 9000 }, (_, i) => i + 1));
  });

  it('Ctrl+C in a flood: the prompt comes back and no hold is left', async () => {
    await expectInterruptLeavesNoHold(page);
    await saveShot(page, 'flow-paint-pacer-after-interrupt');
  });

  it('acks every byte it draws, at most ACK_EVERY_BYTES apart, saying how long it waited for bytes', async () => {
    // Main's flow control reads these acks; the tab opened in the first test is still open.
    await expect.poll(heldNow).toBe(0);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const ackOf = (m: unknown): m is { type: 'ack'; bytes: number; idle: number } =>
      (m as { type?: string }).type === 'ack';
    await expect.poll(() => sum(frames.sent.filter(ackOf).map((a) => a.bytes))).toBe(sum(frames.got));
    frames.got.length = 0;
    frames.sent.length = 0;
    await typeInTerminal(page, 'seq 1 100000; echo acks-done');
    await expect.poll(() => terminalText(page), { timeout: 60_000, interval: 250 }).toMatch(/\nacks-done\n/);
    const { got } = frames;
    const acks = frames.sent;
    // Everything received is acked, once drawn (the last ack follows the prompt's bytes).
    await expect.poll(() => sum(acks.filter(ackOf).map((a) => a.bytes))).toBe(sum(got));
    for (const a of acks.filter(ackOf)) {
      expect(parsePageControl(JSON.stringify(a))).toEqual({ ok: true, message: a });
      expect(Object.keys(a).sort()).toEqual(['bytes', 'idle', 'type']);
      // One write may carry a frame larger than an ack's worth; otherwise acks come every ACK_EVERY_BYTES.
      expect(a.bytes).toBeLessThanOrEqual(ACK_EVERY_BYTES + Math.max(...got));
    }
    // The page waited between the prompt and the echo of the command typed at it, and said so.
    expect(acks.filter(ackOf).some((a) => a.idle > 0)).toBe(true);
  });
});
