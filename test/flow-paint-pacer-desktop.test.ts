// The paint pacer in the desktop app: the built bundles in the Electron
// stand-in (test/support/electron-standin/), where the page talks to main over
// IPC and the terminal's bytes still come through the loopback gateway. A
// flood's paints are held (data-paint-held), every line reaches the terminal
// in order, and no hold is left when the flood ends or after Ctrl+C in one.
// The serve-mode twin is flow-paint-pacer-page.test.ts; this one runs what a
// desktop user runs. Asserts content and state, never time.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchDesktop, type DesktopApp } from './support/electron-standin/launch.js';
import { makeHome } from './support/serve.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { openSshTab } from './support/app-page.js';
import { expectFloodInOrder, expectInterruptLeavesNoHold } from './support/paint-pacer-flow.js';

let sshd: Sshd;
let desktop: DesktopApp;
let page: Page;

beforeAll(async () => {
  sshd = await startSshd();
  desktop = launchDesktop({ home: makeHome() });
  page = await desktop.windowPage();
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
  await openSshTab(page, sshd);
}, 120_000);

afterAll(async () => {
  await desktop?.stop();
  await sshd?.stop();
});

const LAST = 300_000;

describe('desktop: paint pacing in a flood', () => {
  it('holds paints in a flood, draws every line in order, and leaves no hold when it ends', async () => {
    await expectFloodInOrder(page, LAST);
  });

  it('Ctrl+C in a flood: the prompt comes back and no hold is left', async () => {
    await expectInterruptLeavesNoHold(page);
  });
});
