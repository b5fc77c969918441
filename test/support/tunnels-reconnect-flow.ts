// What a person does in the Tunnels panel when a forward started there (no
// terminal open) loses its link, and what they must see: shared by the
// serve-mode test (tunnels-reconnect-ui.test.ts) and the desktop one
// (tunnels-reconnect-desktop.test.ts), so both run the same steps. The link
// is a relay (link-proxy.ts) in front of a real sshd; the host "alone" signs
// in with a key and has no forward yet.
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { connectTo, httpOver, type HttpTarget } from '../../bench/tunnels-rig.js';
import { addLocalForward } from './app-page.js';
import type { LinkProxy } from './link-proxy.js';
import { connectRefused, freePort } from './net.js';
import { saveShot } from './shots.js';

/**
 * Adds a -L forward to `target` on host "alone", starts it from the panel
 * (trusting the host key), cuts the link: the row counts down with the
 * reason, Start reads "Try now", the port is given back; restores it: the
 * forward is back on the same port by itself; cuts it again and Stop during
 * the countdown stops it. `shot` names the panel's screenshot.
 */
export async function panelForwardRides(page: Page, proxy: LinkProxy, target: HttpTarget, shot: string): Promise<void> {
  const panel = (): Locator => page.getByRole('dialog', { name: 'Tunnels' });
  const row = (): Locator => panel().locator('tr[data-forward="fwd-1"]');
  const port = await freePort();
  await addLocalForward(page, 'alone', { listenPort: port, targetPort: target.port, autoStart: false });
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
  await saveShot(panel(), shot);

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
  proxy.restore();
}
