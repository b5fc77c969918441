// Screenshots of what a person sees, saved for people to look at: each goes
// to test-artifacts/ (ignored by git), and a copy to $HOSTDECK_SHOTS_DIR when
// that is set (a folder of your own to look through after a run).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** The repository's test-artifacts/ folder. */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

/**
 * Saves a screenshot of `target` (the page, or one element of it) as
 * test-artifacts/<name>.png, and as $HOSTDECK_SHOTS_DIR/<name>.png when that
 * variable names a folder that exists.
 */
export async function saveShot(target: Page | Locator, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await target.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  const copyTo = process.env['HOSTDECK_SHOTS_DIR'];
  if (copyTo && existsSync(copyTo)) await target.screenshot({ path: join(copyTo, `${name}.png`) });
}
