// The paint pacer in the desktop app: the built bundles in the Electron
// stand-in (test/support/electron-standin/), where the page talks to main over
// IPC and the terminal's bytes still come through the loopback gateway. A
// flood's paints are held (data-paint-held), every line reaches the terminal
// in order, and no hold is left when the flood ends or after Ctrl+C in one.
// The serve-mode twin is flow-paint-pacer-page.test.ts; this one runs what a
// desktop user runs. Asserts content and state, never time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchDesktop, type DesktopApp } from './support/electron-standin/launch.js';
import { makeHome } from './support/serve.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { openSshTab, terminalText, typeInTerminal } from './support/app-page.js';

let sshd: Sshd;
let desktop: DesktopApp;
let page: Page;

beforeAll(async () => {
  sshd = await startSshd();
  desktop = launchDesktop({ home: makeHome() });
  page = await desktop.windowPage();
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
  await openSshTab(page, sshd);
  // Counts the holds the page starts from now on (data-paint-held set on an element).
  await page.evaluate(`(() => {
    window.__paintHolds = 0;
    new MutationObserver((records) => {
      for (const r of records) if (r.target.hasAttribute('data-paint-held')) window.__paintHolds++;
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-paint-held'] });
  })()`);
}, 120_000);

afterAll(async () => {
  await desktop?.stop();
  await sshd?.stop();
});

const holds = (): Promise<number> => page.evaluate<number>('window.__paintHolds');
const held = (): Promise<number> => page.evaluate<number>(`document.querySelectorAll('[data-paint-held]').length`);
const LAST = 300_000;

describe('desktop: paint pacing in a flood', () => {
  it('holds paints in a flood, draws every line in order, and leaves no hold when it ends', async () => {
    await expect
      .poll(async () => /\$ $/.test((await terminalText(page)).trimEnd() + ' '), { timeout: 30_000 })
      .toBe(true);
    await typeInTerminal(page, `seq 1 ${LAST}`);
    await expect
      .poll(() => terminalText(page), { timeout: 120_000, interval: 500 })
      .toMatch(new RegExp(`\\n${LAST}\\n`));
    expect(await holds()).toBeGreaterThan(0);
    await expect.poll(held).toBe(0);
    const numbers = (await terminalText(page))
      .split('\n')
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
    expect(numbers.length).toBeGreaterThan(9000);
    expect(numbers[numbers.length - 1]).toBe(LAST);
    const first = numbers[0] as number;
    expect(numbers).toEqual(numbers.map((_, i) => first + i));
  });

  it('Ctrl+C in a flood: the prompt comes back and no hold is left', async () => {
    const before = await holds();
    await typeInTerminal(page, 'yes desktop-flood');
    await expect.poll(holds, { timeout: 30_000 }).toBeGreaterThan(before);
    await page.keyboard.press('Control+C');
    await typeInTerminal(page, 'echo after-$((6*7))');
    await expect.poll(() => terminalText(page), { timeout: 30_000 }).toMatch(/after-42\n/);
    await expect.poll(held).toBe(0);
  });
});
