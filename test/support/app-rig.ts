// The hooks and checks of a serve-mode page end-to-end file (vitest only; the
// benches use app-page.ts, which does not import vitest).
import { afterAll, beforeAll, expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, describeFindings, openAppPage } from './app-page.js';
import { startChromium } from './chromium.js';
import { makeHome, startServe, type ServeProcess } from './serve.js';
import { startSshd, type Sshd } from './sshd.js';

/**
 * Runs axe on what the page shows now in the light and the dark theme (set as
 * the settings dialog sets it, data-theme on <html>), as soft expectations
 * naming `screen`, and leaves the light theme on.
 */
export async function expectAxeCleanInThemes(page: Page, screen: string): Promise<void> {
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate(`document.documentElement.dataset.theme = '${theme}'`);
    const found = describeFindings(await axeViolations(page));
    expect.soft(found, `axe-core on ${screen} (${theme}):\n${found.join('\n')}\n`).toEqual([]);
  }
  await page.evaluate(`document.documentElement.dataset.theme = 'light'`);
}

/** What a serve-mode page end-to-end file drives. */
export interface AppPageRig {
  sshd: Sshd;
  serve: ServeProcess;
  browser: Browser;
  page: Page;
}

/**
 * The hooks of a serve-mode end-to-end file. Before all (up to 120 s): a rig
 * sshd, `npm run serve` on a fresh home, Chromium and one page on the app at
 * `viewport`; then `ready` gets them. After all: Chromium, serve and sshd stop.
 */
export function sharedAppPage(
  ready: (rig: AppPageRig) => void | Promise<void>,
  viewport?: { width: number; height: number },
): void {
  const rig: Partial<AppPageRig> = {};
  beforeAll(async () => {
    const sshd = (rig.sshd = await startSshd());
    const serve = (rig.serve = await startServe({ home: makeHome() }));
    const browser = (rig.browser = await startChromium());
    const page = (rig.page = await openAppPage(browser, serve.url, viewport));
    await ready({ sshd, serve, browser, page });
  }, 120_000);
  afterAll(async () => {
    await rig.browser?.close();
    await rig.serve?.stop();
    await rig.sshd?.stop();
  });
}
