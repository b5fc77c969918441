// Port forwards as a person meets them, end to end: serve mode in a real
// Chromium against a real sshd. The host editor adds a -L and a -D forward
// (and refuses an exposed bind until it is confirmed); the Tunnels panel
// starts them with no terminal open (host key and password asked above it),
// bytes go through each and the counters move, Stop frees the ports; a port in
// use says so; a forward marked to start with the first terminal does, and one
// that cannot start is a notice in the tab while the terminal goes on.
// axe-core checks the editor section and the panel in both themes.
// Screenshots go to test-artifacts/ (and $HOSTDECK_SHOTS_DIR when set).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import type { Browser, Locator, Page } from 'playwright-core';
import { expectAxeCleanInThemes, sharedAppPage } from './support/app-rig.js';
import { connectTo, httpOver, socksConnect, startHttpTarget, type HttpTarget } from '../bench/tunnels-rig.js';
import { connectRefused, freePort } from './support/net.js';
import type { ServeProcess } from './support/serve.js';
import type { Sshd } from './support/sshd.js';
import { saveShot } from './support/shots.js';
import {
  addHost,
  answerPassword,
  connectHost,
  openAppPage,
  passwordHost,
  terminalText,
  typeInTerminal,
} from './support/app-page.js';

let sshd: Sshd;
let browser: Browser;
let serve: ServeProcess;
let page: Page;
let target: HttpTarget;
let busy: net.Server;
const ports = { local: 0, socks: 0, busy: 0, auto: 0 };

const shot = (name: string, locator?: Locator): Promise<void> => saveShot(locator ?? page, name);

const expectAccessible = (screen: string): Promise<void> => expectAxeCleanInThemes(page, screen);

function panel(): Locator {
  return page.getByRole('dialog', { name: 'Tunnels' });
}

function row(forwardId: string): Locator {
  return panel().locator(`tr[data-forward="${forwardId}"]`);
}

/** Fills port forward `n` (1-based) of the open editor. */
async function fillForward(
  editor: Locator,
  n: number,
  f: { kind: string; port: number; targetPort?: number; auto: boolean },
): Promise<void> {
  const group = editor.getByRole('group', { name: `Port forward ${n}` });
  await group.getByLabel('Kind').selectOption(f.kind);
  await group.getByLabel('Listen port').fill(String(f.port));
  if (f.targetPort !== undefined) {
    await group.getByLabel('Target host').fill('127.0.0.1');
    await group.getByLabel('Target port').fill(String(f.targetPort));
  }
  const auto = group.getByLabel('Start with the host’s first terminal');
  if ((await auto.isChecked()) !== f.auto) await auto.click();
}

async function httpThrough(port: number, path: string): Promise<string> {
  return httpOver(await connectTo(port), path);
}

beforeAll(async () => {
  target = await startHttpTarget();
  for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
  busy = net.createServer((s) => s.destroy());
  await new Promise<void>((ok) => busy.listen(ports.busy, '127.0.0.1', ok));
});

afterAll(async () => {
  await target?.close();
  await new Promise((ok) => busy?.close(ok));
});

sharedAppPage(
  async (rig) => {
    ({ sshd, serve, browser, page } = rig);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.origin });
  },
  { width: 1280, height: 820 },
);

describe('tunnels in the page (serve mode, real sshd)', () => {
  it('the editor adds -L and -D forwards, keeps binds on loopback unless confirmed, and saves them', async () => {
    // The usual add (its "Port" field is still found with the forwards section in the form), then Edit.
    await addHost(page, passwordHost(sshd, 'tun'));
    await page.getByRole('treeitem', { name: 'tun' }).click();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const editor = page.getByRole('dialog', { name: /Edit/ });
    for (let i = 0; i < 4; i++) await editor.getByRole('button', { name: 'Add port forward' }).click();
    await fillForward(editor, 1, { kind: 'local', port: ports.local, targetPort: target.port, auto: false });
    await fillForward(editor, 2, { kind: 'dynamic', port: ports.socks, auto: false });
    await fillForward(editor, 3, { kind: 'local', port: ports.busy, targetPort: target.port, auto: true });
    await fillForward(editor, 4, { kind: 'local', port: ports.auto, targetPort: target.port, auto: true });
    const socks = editor.getByRole('group', { name: 'Port forward 2' });
    await expect.poll(() => socks.getByLabel('Target host').isVisible()).toBe(false);

    // Another address: refused beside the field until "let other machines connect" is ticked.
    const bind = socks.getByLabel('Listen address');
    await bind.fill('0.0.0.0');
    const exposed = socks.getByLabel('Exposed to the network: other machines may connect');
    await exposed.waitFor();
    await expect.poll(() => socks.locator('.fwd-warning').textContent()).toMatch(/open|proxy/i);
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => bind.getAttribute('aria-invalid')).toBe('');
    expect(await bind.locator('xpath=..').locator('.field-error').textContent()).toMatch(/other machines/);
    await shot('tunnels-editor', editor);
    await expectAccessible('the host editor with port forwards');
    await bind.fill('127.0.0.1');
    expect(await exposed.isVisible()).toBe(false);
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });

    // Saved as typed: opened again, every forward is back with its choices.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const again = page.getByRole('dialog', { name: /Edit/ });
    const first = again.getByRole('group', { name: 'Port forward 1' });
    expect(await first.getByLabel('Listen port').inputValue()).toBe(String(ports.local));
    expect(await first.getByLabel('Start with the host’s first terminal').isChecked()).toBe(false);
    expect(await again.getByRole('group', { name: 'Port forward 2' }).getByLabel('Kind').inputValue()).toBe('dynamic');
    expect(
      await again
        .getByRole('group', { name: 'Port forward 4' })
        .getByLabel('Start with the host’s first terminal')
        .isChecked(),
    ).toBe(true);
    await again.getByRole('button', { name: 'Cancel' }).click();
    await again.waitFor({ state: 'detached' });
  });

  it('the panel starts -L and -D with no terminal (host key and password asked), bytes move the counters, Stop frees the ports', async () => {
    await page.keyboard.press('Control+Shift+L');
    await panel().waitFor();
    await expect.poll(() => panel().locator('tbody tr').count()).toBe(4);
    await expect.poll(() => row('fwd-1').getAttribute('data-state')).toBe('stopped');
    await row('fwd-1').getByRole('button', { name: 'Start' }).click();
    await page
      .getByRole('dialog', { name: 'Unknown host key' })
      .getByRole('button', { name: 'Trust and connect' })
      .click();
    await answerPassword(page, sshd.password);
    await expect.poll(() => row('fwd-1').getAttribute('data-state'), { timeout: 30_000 }).toBe('active');
    await row('fwd-2').getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => row('fwd-2').getAttribute('data-state'), { timeout: 30_000 }).toBe('active');

    expect(await httpThrough(ports.local, '/via-L')).toContain('hello /via-L');
    const sock = await connectTo(ports.socks);
    expect(await socksConnect(sock, '127.0.0.1', target.port)).toBe(0);
    expect(await httpOver(sock, '/via-D')).toContain('hello /via-D');
    for (const id of ['fwd-1', 'fwd-2'])
      await expect.poll(() => row(id).locator('td.num').nth(1).textContent()).toMatch(/↑ \d+ B \/ ↓ [1-9]\d* B/);
    expect(await row('fwd-1').locator('td.num').first().textContent()).toMatch(/in all/);
    expect(await row('fwd-1').locator('td.num').first().textContent()).toContain('1 in all');

    await row('fwd-1').getByRole('button', { name: 'Copy address' }).click();
    await expect.poll(() => panel().getByRole('status').textContent()).toContain(`127.0.0.1:${ports.local}`);
    await row('fwd-2').getByRole('button', { name: 'Copy address' }).click();
    await expect.poll(() => panel().getByRole('status').textContent()).toContain(`socks5h://127.0.0.1:${ports.socks}`);

    await shot('tunnels-panel', panel());
    await expectAccessible('the Tunnels panel with forwards running');

    for (const id of ['fwd-1', 'fwd-2']) {
      await row(id).getByRole('button', { name: 'Stop' }).click();
      await expect.poll(() => row(id).getAttribute('data-state')).toBe('stopped');
    }
    expect(await connectRefused(ports.local)).toBe(true);
    expect(await connectRefused(ports.socks)).toBe(true);
  });

  it('a port in use says so in the row', async () => {
    await row('fwd-3').getByRole('button', { name: 'Start' }).click();
    // The connection was closed with the last forward: the password is asked again.
    await answerPassword(page, sshd.password);
    await expect.poll(() => row('fwd-3').getAttribute('data-state'), { timeout: 30_000 }).toBe('failed');
    expect(await row('fwd-3').locator('.tunnels-reason').textContent()).toContain(
      `Port ${ports.busy} on 127.0.0.1 is already in use by another program`,
    );
    await panel().getByRole('button', { name: 'Close' }).click();
  });

  it('forwards marked so start with the first terminal; one that cannot is a notice in the tab, and the terminal goes on', async () => {
    await connectHost(page, 'tun');
    await answerPassword(page, sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor({ timeout: 30_000 });
    await expect.poll(async () => connectRefused(ports.auto), { timeout: 30_000 }).toBe(false);
    expect(await httpThrough(ports.auto, '/with-the-tab')).toContain('hello /with-the-tab');
    const notice = page.locator('[role=tabpanel]:not([hidden]) .tunnel-notice');
    await expect.poll(() => notice.textContent(), { timeout: 30_000 }).toContain(`Port ${ports.busy} on 127.0.0.1`);
    await typeInTerminal(page, 'echo tunnels-$((40+2))');
    await expect.poll(() => terminalText(page)).toContain('tunnels-42');
    await shot('tunnels-tab-notice');
    await notice.getByRole('button', { name: 'Open Tunnels' }).click();
    await expect.poll(() => row('fwd-4').getAttribute('data-state')).toBe('active');
    expect(await row('fwd-1').getAttribute('data-state')).toBe('stopped');
    await row('fwd-4').getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => row('fwd-4').getAttribute('data-state')).toBe('stopped');
  });

  it('in Simplified Chinese, a port in use is said from its details, and the panel passes axe', async () => {
    const zh = await openAppPage(browser, serve.url, { width: 1280, height: 820 });
    try {
      await zh.getByRole('button', { name: 'Open settings' }).click();
      await zh.getByRole('dialog', { name: 'Settings' }).getByLabel('Language').selectOption('zh-CN');
      await zh.getByRole('button', { name: '添加主机' }).waitFor();
      await zh.getByRole('button', { name: '隧道' }).click();
      const zhPanel = zh.getByRole('dialog', { name: '隧道' });
      const busyRow = zhPanel.locator('tr[data-forward="fwd-3"]');
      await expect.poll(() => busyRow.getAttribute('data-state')).toBe('failed');
      expect(await busyRow.locator('.tunnels-reason').textContent()).toBe(
        `127.0.0.1 上的端口 ${ports.busy} 已被其他程序占用，此转发无法在该处监听。请停止那个程序，或换一个端口。`,
      );
      await expectAxeCleanInThemes(zh, 'the Tunnels panel in Chinese');
      await saveShot(zhPanel, 'tunnels-panel-zh');
    } finally {
      await zh.close();
    }
  });
});
