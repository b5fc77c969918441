// Screenshots of what a person sees, saved for people to look at: each goes
// to test-artifacts/ (ignored by git), and a copy to a folder outside the
// repository (the team's notes) on the machines where that folder exists.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

/** The repository's test-artifacts/ folder. */
export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

/**
 * Saves a screenshot of `target` (the page, or one element of it) as
 * test-artifacts/<name>.png, and as <copyTo>/<name>.png when `copyTo` is
 * given and exists.
 */
export async function saveShot(target: Page | Locator, name: string, copyTo?: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await target.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  if (copyTo !== undefined && existsSync(copyTo)) await target.screenshot({ path: join(copyTo, `${name}.png`) });
}
