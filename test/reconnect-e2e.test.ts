// Reconnecting by itself, as a person sees it: serve mode in a real
// Chromium, a real sshd, and a loopback relay between them that the test
// cuts and restores (test/support/link-proxy.ts), so the link fails while the
// server lives on. The waits between tries are injected through the test
// hooks (milliseconds, or ten minutes where only an event may trigger a try);
// no test asserts how long anything took.
//
// A dropped link counts down, retries with growing waits while the link is
// down, comes back and says the shell is new; the page's 'online' event tries
// at once; Cancel stops it; Reconnect all brings back every tab; a refused
// login or a changed host key on a reconnect stops after one try (sshd's log
// shows one login attempt); a host that keeps its shell gets its tmux session
// back, shell variables and all.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { startChromium } from './support/chromium.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { homeWithKey, startServe, type ServeProcess } from './support/serve.js';
import {
  axeViolations,
  connectHost,
  describeFindings,
  openAppPage,
  terminalText,
  typeInTerminal,
} from './support/app-page.js';
import { addKeyHost as pageAddKeyHost, networkBack, setReconnectSchedule } from './support/reconnect-page.js';
import { ACTIVE_PANEL } from './support/session-tabs.js';
import { startLinkProxy, type LinkProxy } from './support/link-proxy.js';
import { saveShot } from './support/shots.js';

const TEN_MINUTES = 600_000;

let browser: Browser;
let sshd: Sshd;
let proxy: LinkProxy;
let serve: ServeProcess;
let page: Page;
let keyPath: string;

beforeAll(async () => {
  sshd = await startSshd();
  proxy = await startLinkProxy(sshd.port);
  let home: string;
  ({ home, keyPath } = homeWithKey(sshd.clientKeyPath));
  serve = await startServe({ home });
  browser = await startChromium();
  page = await openAppPage(browser, serve.url);
  await addKeyHost('rig');
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await proxy?.close();
  await sshd?.stop();
});

const addKeyHost = (name: string, keepShell = false): Promise<void> =>
  pageAddKeyHost(page, { name, port: proxy.port, user: sshd.keyUser, keyPath, keepShell });
const schedule = (ms: number[]): Promise<void> => setReconnectSchedule(page, ms);

/** Opens a tab on "rig", trusting the key the first time; resolves when connected. */
async function openTab(name = 'rig'): Promise<void> {
  const before = await page.locator('[role=tab][data-status=connected]').count();
  await connectHost(page, name);
  const trust = page
    .getByRole('dialog', { name: 'Unknown host key' })
    .getByRole('button', { name: 'Trust and connect' });
  await Promise.race([
    trust.click({ timeout: 10_000 }).catch(() => undefined),
    expect.poll(() => page.locator('[role=tab][data-status=connected]').count(), { timeout: 30_000 }).toBe(before + 1),
  ]);
  await expect
    .poll(() => page.locator('[role=tab][data-status=connected]').count(), { timeout: 30_000 })
    .toBe(before + 1);
}

async function closeAllTabs(): Promise<void> {
  for (let n = await page.getByRole('tab').count(); n > 0; n--)
    await page
      .getByRole('button', { name: /^Close (rig|kept)/ })
      .first()
      .click();
  await expect.poll(() => page.getByRole('tab').count()).toBe(0);
}

const banner = (): Promise<string> => page.locator(`${ACTIVE_PANEL} .session-banner`).innerText();
const connectedTabs = (): Promise<number> => page.locator('[role=tab][data-status=connected]').count();

/** Login attempts sshd logged since `from` (LogLevel VERBOSE: one "Connection from" line per TCP connection). */
function sshdConnections(s: Sshd, from: number): number {
  return (
    s
      .log()
      .slice(from)
      .match(/Connection from 127\.0\.0\.1/g) ?? []
  ).length;
}

describe('reconnecting by itself (serve mode, real sshd)', () => {
  // A case that fails midway must not leave the link cut or its tabs behind for the next one.
  afterEach(async () => {
    proxy.restore();
    if ((await page.getByRole('tab').count()) > 0) await closeAllTabs();
  });

  it('a dropped link counts down, retries with growing waits while down, comes back and says the shell is new', async () => {
    await schedule([150, 300, 300]);
    await openTab();
    await typeInTerminal(page, 'echo first-$((6*7))');
    await expect.poll(() => terminalText(page)).toContain('first-42');
    const before = proxy.accepted;
    proxy.cut();
    await expect.poll(banner, { timeout: 30_000 }).toMatch(/Reconnecting in \d+ s/);
    // Two tries refused while the link is down: each counted down again (the
    // banner says "Connecting…" during a try, so wait for the next countdown).
    await expect.poll(() => proxy.accepted - before, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(banner, { timeout: 30_000 }).toMatch(/Reconnecting in \d+ s/);
    proxy.restore();
    await expect.poll(connectedTabs, { timeout: 30_000 }).toBe(1);
    await expect.poll(() => terminalText(page)).toContain('Reconnected: this is a new shell.');
    await saveShot(page, 'reconnect-newshell');
    await typeInTerminal(page, 'echo second-$((6*7))');
    await expect.poll(() => terminalText(page)).toContain('second-42');
    await closeAllTabs();
  });

  it("the page's online event tries at once; the countdown is visible with Reconnect now and Cancel", async () => {
    await schedule([TEN_MINUTES]);
    await openTab();
    proxy.cut();
    await expect.poll(banner, { timeout: 30_000 }).toContain('Reconnecting in 600 s');
    await expect(page.getByRole('button', { name: 'Reconnect now' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Cancel reconnecting' }).isVisible()).resolves.toBe(true);
    await saveShot(page, 'reconnect-tab');
    // The countdown, its buttons and Reconnect all pass axe (WCAG 2.2 AA and best practices).
    expect(describeFindings(await axeViolations(page))).toEqual([]);
    proxy.restore();
    await networkBack(page);
    await expect.poll(connectedTabs, { timeout: 30_000 }).toBe(1);
    await closeAllTabs();
  });

  it('Cancel stops the countdown: the network coming back then tries nothing; Reconnect still works', async () => {
    await schedule([TEN_MINUTES]);
    await openTab();
    proxy.cut();
    await expect.poll(banner, { timeout: 30_000 }).toContain('Reconnecting in');
    await page.getByRole('button', { name: 'Cancel reconnecting' }).click();
    await expect.poll(banner).not.toContain('Reconnecting in');
    proxy.restore();
    const before = proxy.accepted;
    await networkBack(page);
    await page.locator(ACTIVE_PANEL).getByRole('button', { name: 'Reconnect', exact: true }).click();
    await expect.poll(connectedTabs, { timeout: 30_000 }).toBe(1);
    // Only the person's Reconnect reached the server: the online event found no countdown.
    expect(proxy.accepted - before).toBe(1);
    await closeAllTabs();
  });

  it('Reconnect all: one button, reached by Tab, brings back every dropped tab', async () => {
    await schedule([TEN_MINUTES]);
    await openTab();
    await openTab();
    proxy.cut();
    await expect.poll(() => page.locator('[role=tab][data-status=disconnected]').count(), { timeout: 30_000 }).toBe(2);
    proxy.restore();
    const all = page.getByRole('button', { name: 'Reconnect all disconnected tabs' });
    await all.focus();
    await page.keyboard.press('Enter');
    await expect.poll(connectedTabs, { timeout: 30_000 }).toBe(2);
    await expect(all.isHidden()).resolves.toBe(true);
    await closeAllTabs();
  });

  it('a refused login on a reconnect stops after one try: sshd logs one connection, none after', async () => {
    await schedule([100, 100, 100]);
    await openTab();
    proxy.cut();
    await expect.poll(banner, { timeout: 30_000 }).toContain('Reconnecting in');
    // The key is no longer accepted: the reconnect's login will be refused.
    const authorized = join(sshd.dir, 'authorized_keys', sshd.keyUser);
    const keyLine = readFileSync(authorized, 'utf8');
    writeFileSync(authorized, '');
    const logFrom = sshd.log().length;
    const before = proxy.accepted;
    proxy.restore();
    try {
      await expect.poll(banner, { timeout: 30_000 }).toContain('did not accept the login');
      expect(await banner()).not.toContain('Reconnecting in');
      // Ten of the injected waits, and the page's own triggers: no second try.
      await networkBack(page);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(proxy.accepted - before).toBe(1);
      expect(sshdConnections(sshd, logFrom)).toBe(1);
      expect(sshd.log().slice(logFrom)).toMatch(
        new RegExp(`(Failed|authenticating user) .*${sshd.keyUser}|${sshd.keyUser}.*preauth`),
      );
    } finally {
      writeFileSync(authorized, keyLine);
    }
    await closeAllTabs();
  });

  it('a changed host key on a reconnect stops after one try and says so', async () => {
    await schedule([100, 100, 100]);
    await openTab();
    const other = await startSshd();
    try {
      proxy.cut();
      await expect.poll(banner, { timeout: 30_000 }).toContain('Reconnecting in');
      proxy.retarget(other.port);
      const before = proxy.accepted;
      proxy.restore();
      const changed = page.getByRole('alertdialog', { name: 'The host key has changed' });
      await changed.waitFor({ timeout: 30_000 });
      await changed.getByRole('button', { name: 'Close' }).click();
      expect(await banner()).not.toContain('Reconnecting in');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(proxy.accepted - before).toBe(1);
    } finally {
      proxy.retarget(sshd.port);
      await other.stop();
    }
    await closeAllTabs();
  });

  it('a host that keeps its shell: after the link drops, the tab attaches to the same tmux session, variables and all', async () => {
    await schedule([150, 300]);
    await addKeyHost('kept', true);
    await openTab('kept');
    try {
      await typeInTerminal(page, 'KEEP=$((40+2)); echo kept-$KEEP-$TMUX_PANE');
      await expect.poll(() => terminalText(page)).toMatch(/kept-42-%\d+/);
      proxy.cut();
      await expect.poll(banner, { timeout: 30_000 }).toMatch(/Reconnecting in \d+ s/);
      proxy.restore();
      await expect.poll(connectedTabs, { timeout: 30_000 }).toBe(1);
      await typeInTerminal(page, 'echo again-$KEEP');
      await expect.poll(() => terminalText(page)).toContain('again-42');
    } finally {
      // The session outlives the tab on purpose: end it, so no test leaves a shell behind.
      spawnSync('ssh', [
        ...['-F', '/dev/null', '-i', keyPath, '-p', String(sshd.port), '-o', 'StrictHostKeyChecking=no'],
        ...['-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'],
        `${sshd.keyUser}@127.0.0.1`,
        'tmux kill-session -t hostdeck-1',
      ]);
    }
    await closeAllTabs();
  });
});
