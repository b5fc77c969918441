// A real headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core. Never `npx playwright install`: nothing can be downloaded.
import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

// Without the networking flags Chromium keeps trying to reach the internet,
// which this machine refuses (docs/CONTRIBUTING.md, "The real-peer rig").
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export async function startChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error('chromium not found: install chromium (.ci/run does)');
  // playwright gives every launch a fresh, temporary --user-data-dir.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
}
