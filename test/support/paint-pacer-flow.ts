// What the paint-pacer tests do in a page with one SSH tab at its prompt,
// served or desktop alike (flow-paint-pacer-page.test.ts,
// flow-paint-pacer-desktop.test.ts): count the holds the page starts
// (data-paint-held set on the terminal), run a flood and check every line
// arrived in order, and Ctrl+C one. Asserts content and state, never time.
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { terminalText, typeInTerminal } from './app-page.js';

/** Counts the holds the page starts from now on (data-paint-held set on an element). */
export async function countHolds(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__paintHolds = 0;
    new MutationObserver((records) => {
      for (const r of records) if (r.target.hasAttribute('data-paint-held')) window.__paintHolds++;
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-paint-held'] });
  })()`);
}

/** Holds started since countHolds(). */
export const holds = (page: Page): Promise<number> => page.evaluate<number>('window.__paintHolds');
/** Elements holding paints now (0 once every hold ended). */
export const held = (page: Page): Promise<number> =>
  page.evaluate<number>(`document.querySelectorAll('[data-paint-held]').length`);

/**
 * `seq 1 last` in the open tab: paints were held during it, none is held
 * after, and the scrollback's last lines (over 9,000) are consecutive and
 * end at `last`: none lost or reordered.
 */
export async function expectFloodInOrder(page: Page, last: number): Promise<void> {
  await expect
    .poll(async () => /\$ $/.test((await terminalText(page)).trimEnd() + ' '), { timeout: 30_000 })
    .toBe(true);
  await countHolds(page);
  await typeInTerminal(page, `seq 1 ${last}`);
  await expect.poll(() => terminalText(page), { timeout: 120_000, interval: 500 }).toMatch(new RegExp(`\\n${last}\\n`));
  expect(await holds(page)).toBeGreaterThan(0);
  await expect.poll(() => held(page)).toBe(0);
  const numbers = (await terminalText(page))
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
  expect(numbers.length).toBeGreaterThan(9000);
  expect(numbers[numbers.length - 1]).toBe(last);
  const first = numbers[0] as number;
  expect(numbers).toEqual(numbers.map((_, i) => first + i));
}

/** Floods with `yes`, presses Ctrl+C once a hold started: the prompt answers and no hold is left. */
export async function expectInterruptLeavesNoHold(page: Page): Promise<void> {
  await countHolds(page);
  await typeInTerminal(page, 'yes');
  await expect.poll(() => holds(page), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.keyboard.press('Control+C');
  await expect
    .poll(async () => (await terminalText(page)).trimEnd().split('\n').slice(-2).join('\n'), { timeout: 60_000 })
    .toMatch(/\^C\n.*\$$/);
  await expect.poll(() => held(page)).toBe(0);
  await typeInTerminal(page, 'echo after-$((6*7))');
  await expect.poll(() => terminalText(page)).toContain('after-42');
}
