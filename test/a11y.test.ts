// Accessibility, checked by a machine: axe-core (the checker browsers' own
// audits are built on) run on every screen a person meets, in serve mode in a
// real Chromium against a real sshd and a real Xvnc: the address book, the
// host editor, every dialog, an SSH tab and a VNC tab, in the light and the
// dark theme, in English and in Simplified Chinese. The target is zero
// violations at every impact level; a failure lists each rule, its impact and
// the nodes it found. Screenshots of home and a tab in both themes go to
// test-artifacts/a11y-*.png to be looked at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startChromium } from './support/chromium.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { startXvnc, type Xvnc } from './support/xvnc.js';
import { makeHome, startServe, type ServeProcess } from './support/serve.js';
import { saveShot } from './support/shots.js';
import {
  addHost,
  answerPassword,
  axeViolations,
  connectHost,
  describeFindings,
  openAppPage,
  passwordHost,
  typeInTerminal,
  terminalText,
} from './support/app-page.js';

type Theme = 'light' | 'dark';
const THEMES: Theme[] = ['light', 'dark'];

let browser: Browser;
let sshd: Sshd;
let xvnc: Xvnc;
let serve: ServeProcess;
let page: Page;
const home = makeHome();

/**
 * Fails the test (after it has checked its other screens) naming every
 * violation axe-core finds on what `screen` shows now.
 */
async function expectAccessible(screen: string): Promise<void> {
  const found = describeFindings(await axeViolations(page));
  expect.soft(found, `axe-core on ${screen}:\n${found.join('\n')}\n`).toEqual([]);
}

const shot = (name: string): Promise<void> => saveShot(page, `a11y-${name}`);

/** Pins a theme the way a person does: Settings → Theme. */
async function pickTheme(theme: Theme): Promise<void> {
  await page.getByRole('button', { name: 'Open settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByLabel('Theme').selectOption(theme);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe(theme);
}

/** The children of the tablist in Chromium's own accessibility tree (aria-owns applied), as 'role "name"'. */
async function chromiumTablistChildren(): Promise<string[]> {
  interface AxNode {
    nodeId: string;
    role?: { value?: string };
    name?: { value?: string };
    childIds?: string[];
  }
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
    const byId = new Map(nodes.map((n) => [n.nodeId, n]));
    const list = nodes.find((n) => n.role?.value === 'tablist');
    return (list?.childIds ?? [])
      .map((id) => byId.get(id))
      .filter((n): n is AxNode => n !== undefined && n.role?.value !== 'none' && n.role?.value !== 'InlineTextBox')
      .map((n) => `${n.role?.value} "${n.name?.value ?? ''}"`);
  } finally {
    await cdp.detach();
  }
}

async function closeTabs(): Promise<void> {
  const close = page.getByRole('button', { name: /^Close / });
  for (let n = await close.count(); n > 0; n--) await close.first().click();
  await expect.poll(() => page.getByRole('tab').count()).toBe(0);
}

beforeAll(async () => {
  sshd = await startSshd();
  xvnc = await startXvnc({ geometry: '800x600' });
  xvnc.setRootColor('#2e8b57');
  serve = await startServe({ home });
  browser = await startChromium();
  page = await openAppPage(browser, serve.url, { width: 1200, height: 760 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await xvnc?.stop();
  await sshd?.stop();
});

describe('axe-core finds nothing', () => {
  it('on the empty address book', async () => {
    for (const theme of THEMES) {
      await pickTheme(theme);
      await expectAccessible(`the empty address book (${theme})`);
    }
  });

  it("the splitter says the address book's width, its bounds, and moves with the keyboard", async () => {
    const splitter = page.getByRole('separator', { name: 'Resize the address book' });
    const width = (): Promise<number> =>
      page.locator('nav').evaluate((n) => Math.round(n.getBoundingClientRect().width));
    const now = async (): Promise<number> => Number(await splitter.getAttribute('aria-valuenow'));
    expect(await now()).toBe(await width());
    expect(Number(await splitter.getAttribute('aria-valuemin'))).toBe(180);
    await splitter.focus();
    await page.keyboard.press('ArrowRight');
    expect(await now()).toBe(await width());
    await page.keyboard.press('Home');
    expect([await now(), await width()]).toEqual([180, 180]);
    await page.keyboard.press('End');
    expect(await now()).toBe(Number(await splitter.getAttribute('aria-valuemax')));
    expect(await now()).toBe(await width());
    await page.keyboard.press('Home');
    for (let i = 0; i < 6; i++) await page.keyboard.press('ArrowRight');
    expect(await now()).toBe(300);
  });

  it('on the host editor, for an SSH and a VNC host, with field errors showing', async () => {
    for (const theme of THEMES) {
      await pickTheme(theme);
      await page.getByRole('button', { name: 'Add host' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add host' });
      await expectAccessible(`the host editor (${theme})`);
      await dialog.getByLabel('Port').fill('70000');
      await expect.poll(() => dialog.getByLabel('Port').getAttribute('aria-invalid')).not.toBeNull();
      await dialog.getByLabel('Protocol').selectOption('vnc');
      await expectAccessible(`the host editor, VNC, with an error (${theme})`);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    }
  });

  it('on quick connect: the host-key and password prompts, and the "save to the address book" toast', async () => {
    await page.getByRole('textbox', { name: 'Quick connect' }).fill(`${sshd.passwordUser}@127.0.0.1:${sshd.port}`);
    await page.keyboard.press('Enter');
    const keyDialog = page.getByRole('dialog', { name: 'Unknown host key' });
    await keyDialog.waitFor();
    await expectAccessible('the unknown host key prompt');
    await keyDialog.getByRole('button', { name: 'Trust and connect' }).click();
    await page.getByRole('dialog', { name: /Password for/ }).waitFor();
    await expectAccessible('the password prompt');
    await answerPassword(page, sshd.password);
    await page.getByRole('button', { name: `Save ${sshd.passwordUser}@127.0.0.1 to the address book` }).waitFor();
    await expectAccessible('the quick-connect toast');
    await closeTabs();
  });

  it('on the address book with SSH and VNC hosts (their badges), and the delete confirmation', async () => {
    await addHost(page, passwordHost(sshd));
    await page.getByRole('button', { name: 'Add host' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add host' });
    await dialog.getByLabel('Protocol').selectOption('vnc');
    await dialog.getByLabel('Name', { exact: true }).fill('desk');
    await dialog.getByLabel('Address').fill(xvnc.host);
    await dialog.getByLabel('Port').fill(String(xvnc.port));
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('treeitem', { name: 'desk' }).waitFor();
    for (const theme of THEMES) {
      await pickTheme(theme);
      await expectAccessible(`the address book with hosts (${theme})`);
      await shot(`home-${theme}`);
      await page.getByRole('treeitem', { name: 'rig' }).click();
      await page.keyboard.press('Delete');
      const confirm = page.getByRole('alertdialog', { name: /Delete/ });
      await confirm.waitFor();
      await expectAccessible(`the delete confirmation (${theme})`);
      await confirm.getByRole('button', { name: 'Cancel' }).click();
    }
  });

  it('on settings (with the master password form), import and export', async () => {
    for (const theme of THEMES) {
      await pickTheme(theme);
      await page.getByRole('button', { name: 'Open settings' }).click();
      const settings = page.getByRole('dialog', { name: 'Settings' });
      await settings.getByRole('button', { name: 'Set master password' }).waitFor();
      await expectAccessible(`settings (${theme})`);
      await settings.getByRole('button', { name: 'Close' }).click();
      writeFileSync(
        join(home, '.ssh', 'config'),
        'Host web-eu\n  HostName 192.0.2.20\n  User deploy\n\nHost *.corp\n  User x\n',
      );
      await page.getByRole('button', { name: 'Import' }).click();
      const importing = page.getByRole('dialog', { name: 'Import hosts' });
      await expectAccessible(`import (${theme})`);
      await importing.getByRole('button', { name: 'Preview' }).click();
      await importing.getByRole('cell', { name: 'web-eu' }).waitFor();
      await expectAccessible(`the import preview (${theme})`);
      await importing.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Export' }).click();
      const exporting = page.getByRole('dialog', { name: /Export/ });
      await exporting.waitFor();
      await expectAccessible(`export (${theme})`);
      await exporting.getByRole('button', { name: 'Cancel' }).click();
    }
  });

  it('on an SSH tab, its search bar and the paste question', async () => {
    await connectHost(page, 'rig');
    await answerPassword(page, sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor();
    await typeInTerminal(page, 'echo ready-$((6*7))');
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('ready-42');
    // The tablist's accessible children are its tabs alone; each tab's buttons are beside it.
    expect(await page.getByRole('tablist').ariaSnapshot()).toBe('- tablist "Open sessions":\n  - tab "rig" [selected]');
    expect(await chromiumTablistChildren()).toEqual(['tab "rig"']);
    await page.getByRole('button', { name: 'Close rig' }).waitFor();
    for (const theme of THEMES) {
      await pickTheme(theme);
      await expectAccessible(`an SSH tab (${theme})`);
      await shot(`ssh-${theme}`);
      await page.locator('[role=tabpanel]:not([hidden]) .xterm-helper-textarea').focus();
      await page.keyboard.press('Control+Shift+F');
      await page.locator('[role=tabpanel]:not([hidden]) .terminal-search input').waitFor();
      await expectAccessible(`the terminal search bar (${theme})`);
      await page.keyboard.press('Escape');
    }
    await page.locator('[role=tabpanel]:not([hidden]) .xterm-helper-textarea').evaluate((t) => {
      const data = new DataTransfer();
      data.setData('text/plain', 'echo one\necho two\n');
      t.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
    const question = page.getByRole('alertdialog', { name: 'Paste several lines?' });
    await question.waitFor();
    await expectAccessible('the paste question');
    await question.getByRole('button', { name: 'Cancel' }).click();
    await closeTabs();
  });

  it('on a VNC tab and its clipboard popover', async () => {
    await connectHost(page, 'desk');
    await page.locator('.session[role=tabpanel]:not([hidden])[data-status=connected]').waitFor({ timeout: 30_000 });
    for (const theme of THEMES) {
      await pickTheme(theme);
      await expectAccessible(`a VNC tab (${theme})`);
      await shot(`vnc-${theme}`);
      const summary = page.locator('.session[role=tabpanel]:not([hidden]) .vnc-clipboard > summary');
      await summary.click();
      await expectAccessible(`the VNC clipboard popover (${theme})`);
      await summary.click();
    }
    await closeTabs();
  });

  it('on a changed host key refusal', async () => {
    await sshd.restartWithNewHostKey();
    await connectHost(page, 'rig');
    const refusal = page.getByRole('alertdialog', { name: 'The host key has changed' });
    await refusal.waitFor();
    await expectAccessible('the changed host key refusal');
    await refusal.getByRole('button', { name: 'Close' }).click();
    await closeTabs();
  });

  it('in Simplified Chinese: the address book, the editor and a refusal', async () => {
    await page.getByRole('button', { name: 'Open settings' }).click();
    await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('button', { name: '添加主机' }).waitFor();
    for (const theme of THEMES) {
      await pickThemeZh(theme);
      await expectAccessible(`the address book in Chinese (${theme})`);
    }
    await page.getByRole('button', { name: '添加主机' }).click();
    await expectAccessible('the host editor in Chinese');
    await page.keyboard.press('Escape');
    await connectHost(page, 'rig');
    const refusal = page.getByRole('alertdialog', { name: '主机密钥已更改' });
    await refusal.waitFor();
    await expectAccessible('the changed host key refusal in Chinese');
    await refusal.getByRole('button', { name: '关闭' }).click();
  });
});

async function pickThemeZh(theme: Theme): Promise<void> {
  await page.getByRole('button', { name: '打开设置' }).click();
  const dialog = page.getByRole('dialog', { name: '设置' });
  await dialog.getByLabel('主题').selectOption(theme);
  await dialog.getByRole('button', { name: '关闭' }).click();
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe(theme);
}
