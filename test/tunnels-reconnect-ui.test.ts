// The Tunnels panel as a person meets a lost link, with no terminal open:
// serve mode in a real Chromium, a real sshd behind a link relay
// (test/support/link-proxy.ts). A -L forward started from the panel counts
// down "Reconnecting in N s" when the link is cut (Stop stays available),
// comes back by itself on the same port when the link does, and Stop during
// the countdown stops it. Main's real waits (1, 2, 5 s) are used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { connectTo, httpOver, startHttpTarget, type HttpTarget } from '../bench/tunnels-rig.js';
import { startChromium } from './support/chromium.js';
import { addLocalForward, openAppPage } from './support/app-page.js';
import { startLinkProxy, type LinkProxy } from './support/link-proxy.js';
import { connectRefused, freePort } from './support/net.js';
import { addKeyHost } from './support/reconnect-page.js';
import { homeWithKey, startServe, type ServeProcess } from './support/serve.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { saveShot } from './support/shots.js';

let sshd: Sshd;
let target: HttpTarget;
let proxy: LinkProxy;
let serve: ServeProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [sshd, target] = await Promise.all([startSshd(), startHttpTarget()]);
  proxy = await startLinkProxy(sshd.port);
  const { home, keyPath } = homeWithKey(sshd.clientKeyPath);
  serve = await startServe({ home });
  browser = await startChromium();
  page = await openAppPage(browser, serve.url, { width: 1280, height: 820 });
  await addKeyHost(page, { name: 'alone', port: proxy.port, user: sshd.keyUser, keyPath });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await proxy?.close();
  await target?.close();
  await sshd?.stop();
});

const panel = (): Locator => page.getByRole('dialog', { name: 'Tunnels' });
const row = (): Locator => panel().locator('tr[data-forward="fwd-1"]');

async function addForward(port: number): Promise<void> {
  await addLocalForward(page, 'alone', { listenPort: port, targetPort: target.port, autoStart: false });
}

describe('a forward started from the Tunnels panel with no terminal, when its link is lost', () => {
  it('counts down in the panel, comes back by itself, and Stop during the countdown stops it', async () => {
    const port = await freePort();
    await addForward(port);
    await page.getByRole('button', { name: 'Tunnels', exact: true }).click();
    await row()
      .getByRole('button', { name: /^Start/ })
      .click();
    await page
      .getByRole('dialog', { name: 'Unknown host key' })
      .getByRole('button', { name: 'Trust and connect' })
      .click();
    await expect.poll(() => row().getAttribute('data-state'), { timeout: 30_000 }).toBe('active');
    expect(await httpOver(await connectTo(port), '/one')).toContain('hello /one');

    proxy.cut();
    await expect.poll(() => row().getAttribute('data-state'), { timeout: 30_000 }).toBe('reconnecting');
    const state = row().locator('.tunnels-state');
    await expect.poll(() => state.innerText(), { timeout: 30_000 }).toMatch(/^Reconnecting in \d+ s…$/);
    // What happened, not advice: reconnecting is Hostdeck's task (retryReasonText).
    expect(await row().locator('.tunnels-reason').innerText()).toBe('The SSH connection was lost.');
    expect(await row().getByRole('button', { name: /^Stop/ }).isEnabled()).toBe(true);
    // Start reads "Try now" while the countdown runs: it does not start a second forward.
    expect(
      await row()
        .getByRole('button', { name: /^Try .* now$/ })
        .innerText(),
    ).toBe('Try now');
    expect(await connectRefused(port)).toBe(true);
    await saveShot(panel(), 'tunnels-reconnecting');

    proxy.restore();
    await expect.poll(() => row().getAttribute('data-state'), { timeout: 30_000 }).toBe('active');
    expect(await state.innerText()).toBe('Listening');
    expect(
      await row()
        .getByRole('button', { name: /^Start/ })
        .innerText(),
    ).toBe('Start');
    expect(await httpOver(await connectTo(port), '/two')).toContain('hello /two');

    proxy.cut();
    await expect.poll(() => row().getAttribute('data-state'), { timeout: 30_000 }).toBe('reconnecting');
    await row().getByRole('button', { name: /^Stop/ }).click();
    await expect.poll(() => row().getAttribute('data-state')).toBe('stopped');
    expect(await state.innerText()).toBe('Stopped');
    expect(await connectRefused(port)).toBe(true);
    // (That no try follows a Stop is checked without a page: test/tunnels-reconnect.test.ts.)
    proxy.restore();
  });
});
