// The desktop app wakes from sleep: Electron's powerMonitor 'resume' (the
// stand-in emits 'suspend' then 'resume' on SIGUSR2, after the app is ready,
// as Electron allows). A tab counting down tries at once; a link that went
// silent while the machine slept is checked at once and ends, instead of
// after the keepalive's 45 s, so the tab can come back. Real sshd behind a
// loopback relay (test/support/link-proxy.ts); the page's countdown is ten
// minutes, so only the wake can start a try.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchDesktop, type DesktopApp } from './support/electron-standin/launch.js';
import { connectHost } from './support/app-page.js';
import { homeWithKey } from './support/serve.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { ACTIVE_PANEL } from './support/session-tabs.js';
import { startLinkProxy, type LinkProxy } from './support/link-proxy.js';
import { addKeyHost, setReconnectSchedule } from './support/reconnect-page.js';

let sshd: Sshd;
let proxy: LinkProxy;
let desktop: DesktopApp;
let page: Page;

beforeAll(async () => {
  sshd = await startSshd();
  proxy = await startLinkProxy(sshd.port);
  const { home, keyPath } = homeWithKey(sshd.clientKeyPath);
  desktop = launchDesktop({ home });
  page = await desktop.windowPage();
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
  await addKeyHost(page, { name: 'rig', port: proxy.port, user: sshd.keyUser, keyPath });
  await setReconnectSchedule(page, [600_000]);
  await connectHost(page, 'rig');
  await page
    .getByRole('dialog', { name: 'Unknown host key' })
    .getByRole('button', { name: 'Trust and connect' })
    .click();
  await connected();
});

afterAll(async () => {
  await desktop?.stop();
  await proxy?.close();
  await sshd?.stop();
});

const banner = (): Promise<string> => page.locator(`${ACTIVE_PANEL} .session-banner`).innerText();

async function connected(): Promise<void> {
  await page.locator('[role=tab][data-status=connected]').waitFor({ timeout: 30_000 });
}

/** Sleep and wake, as the OS reports them to Electron; resolves once the stand-in emitted 'resume'. */
async function sleepAndWake(): Promise<void> {
  const seen = desktop.events.filter((e) => e.kind === 'power' && e.data['event'] === 'resume').length;
  process.kill(desktop.proc.child.pid as number, 'SIGUSR2');
  await expect
    .poll(() => desktop.events.filter((e) => e.kind === 'power' && e.data['event'] === 'resume').length)
    .toBeGreaterThan(seen);
}

describe('desktop: waking from sleep', () => {
  it('a tab counting down (ten minutes) tries at once on resume', async () => {
    proxy.cut();
    await expect.poll(banner, { timeout: 30_000 }).toContain('Reconnecting in 600 s');
    proxy.restore();
    await sleepAndWake();
    await connected();
  });

  it('a link that went silent in the sleep is checked on resume and ends, and the next wake brings the tab back', async () => {
    await connected();
    proxy.stall();
    await sleepAndWake();
    // Main's check found no answer (WAKE_PROBE_MS): the link ended as a keepalive timeout, and the tab counts down.
    await expect.poll(banner, { timeout: 30_000 }).toContain('a keepalive check got no reply');
    expect(await banner()).toContain('Reconnecting in');
    await sleepAndWake();
    await connected();
  });
});
