// The paint pacer in the page (renderer/src/terminal/terminal-session.ts,
// paint-pacer.ts), serve mode, real Chromium, real sshd: a flood's paints are
// held (the terminal element carries data-paint-held while they are), every
// byte still reaches the terminal in order, and every hold ends: after the
// flood ends on its own, and after Ctrl+C in a flood, no hold is left and the
// prompt is there. Asserts content and state, never time.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { sharedAppPage } from './support/app-rig.js';
import type { Sshd } from './support/sshd.js';
import { openSshTab, terminalText, typeInTerminal } from './support/app-page.js';
import { saveShot } from './support/shots.js';
import {
  countHolds,
  expectFloodInOrder,
  expectInterruptLeavesNoHold,
  held,
  holds,
} from './support/paint-pacer-flow.js';

let sshd: Sshd;
let page: Page;
sharedAppPage(
  (rig) => {
    ({ sshd, page } = rig);
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
});
