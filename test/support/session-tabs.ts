// The app's session tabs as a test drives them through playwright, the same in
// the browser (serve mode) and in the desktop stand-in.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { canvasPixel } from '../../bench/vnc-page.js';

/** The session panel on show: one tab panel is visible at a time. */
export const ACTIVE_PANEL = '.session[role=tabpanel]:not([hidden])';

/** The RGB of the remote desktop's framebuffer at (x, y) in the visible VNC tab, read from noVNC's canvas. */
export function activeVncPixel(page: Page, x = 100, y = 100): Promise<number[] | null> {
  return canvasPixel(page, `${ACTIVE_PANEL} .session-vnc`, x, y);
}

/** Clicks the close button of the tab whose name starts with `name`; waits until no tab is left. */
export async function closeActiveTab(page: Page, name: string): Promise<void> {
  await page
    .getByRole('button', { name: new RegExp(`^Close ${name}`) })
    .first()
    .click();
  await expect.poll(() => page.getByRole('tab').count()).toBe(0);
}
