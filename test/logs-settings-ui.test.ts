// The settings dialog's "Session logs" section as a person meets it, serve
// mode in a real Chromium: logging is off at first and the folder it would use
// is shown; turning it on and choosing the recording format is kept by main
// (read back after the dialog is opened again, and in the settings file);
// a size out of range is refused beside the fields; a terminal opened then
// is recorded in the folder shown. axe-core finds nothing on the section in
// the light and dark themes, in English and in Simplified Chinese. The
// desktop's folder choice is in test/logs-settings-desktop.test.ts.
import { describe, expect, it } from 'vitest';
import { expectAxeCleanInThemes, sharedAppPage } from './support/app-rig.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveShot } from './support/shots.js';
import type { Locator, Page } from 'playwright-core';
import type { ServeProcess } from './support/serve.js';
import type { Sshd } from './support/sshd.js';
import { openSshTab, terminalText, typeInTerminal } from './support/app-page.js';
import { closeActiveTab } from './support/session-tabs.js';

let sshd: Sshd;
let serve: ServeProcess;
let page: Page;

sharedAppPage(
  (rig) => {
    ({ sshd, serve, page } = rig);
  },
  { width: 1280, height: 900 },
);

/** Opens Settings (by its button's name in the page's language) and waits for the logs section to be filled in. */
async function openSettings(button = 'Open settings', title = 'Settings'): Promise<Locator> {
  await page.getByRole('button', { name: button }).click();
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.locator('.settings-logs select').waitFor();
  return dialog;
}

const expectAccessible = (screen: string): Promise<void> => expectAxeCleanInThemes(page, screen);

/** The whole dialog, in a window tall enough that it does not scroll. */
async function shotOf(dialog: Locator, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 1400 });
  await saveShot(dialog, name);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('session-log settings in the page (serve mode)', () => {
  it('shows the folder, turns logging on, chooses the format, refuses a bad size; axe clean in both themes', async () => {
    const logsFolder = join(serve.dataDir, 'logs');
    let dialog = await openSettings();
    const section = dialog.getByRole('region', { name: 'Session logs' });
    const mode = section.getByLabel('Log terminal sessions');
    expect(await mode.inputValue()).toBe('off');
    expect(await section.innerText()).toContain(`Logs go to: ${logsFolder}`);
    // Serve mode: main has no folder dialog to show, so there is nothing to press.
    expect(await section.getByRole('button').count()).toBe(0);
    await expectAccessible('the session-log settings, off');

    await mode.selectOption('plain');
    await expect.poll(() => section.getByLabel('Log terminal sessions').inputValue()).toBe('plain');
    await section.getByLabel('Log terminal sessions').selectOption('asciicast');
    await expect.poll(() => section.getByLabel('Log terminal sessions').inputValue()).toBe('asciicast');
    const fileCap = section.getByLabel('Largest log per session (MiB)');
    await fileCap.fill('2000');
    await fileCap.dispatchEvent('change');
    await expect.poll(() => section.innerText()).toContain('Sizes are whole numbers of MiB');
    await expectAccessible('the session-log settings with a refused size');
    await fileCap.fill('5');
    await fileCap.dispatchEvent('change');
    await expect.poll(() => section.innerText()).not.toContain('Sizes are whole numbers');
    await shotOf(dialog, 'logs-settings');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Kept by main: the dialog opened again reads it back, and so does the settings file.
    dialog = await openSettings();
    expect(await dialog.getByLabel('Log terminal sessions').inputValue()).toBe('asciicast');
    expect(await dialog.getByLabel('Largest log per session (MiB)').inputValue()).toBe('5');
    const saved = JSON.parse(readFileSync(join(serve.dataDir, 'session-logs.json'), 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ mode: 'asciicast', fileCapMiB: 5 });
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('a terminal opened with logging on is recorded in the folder shown', async () => {
    await openSshTab(page, sshd, 'logged');
    await typeInTerminal(page, 'echo logged-$((6*7))');
    await expect.poll(() => terminalText(page)).toContain('logged-42');
    const folder = join(serve.dataDir, 'logs');
    const casts = (): string[] => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.cast')) : []);
    await expect.poll(() => casts().length, { timeout: 20_000 }).toBe(1);
    await expect
      .poll(() => readFileSync(join(folder, casts()[0] as string), 'utf8'), { timeout: 20_000 })
      .toContain('logged-42');
    await closeActiveTab(page, 'logged');
  });

  it('in Simplified Chinese: the same section, axe clean in both themes', async () => {
    let dialog = await openSettings();
    await dialog.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('button', { name: '添加主机' }).waitFor();
    if (await page.getByRole('dialog', { name: '设置' }).isVisible())
      dialog = page.getByRole('dialog', { name: '设置' });
    else dialog = await openSettings('打开设置', '设置');
    const section = dialog.getByRole('region', { name: '会话日志' });
    await section.locator('select').waitFor();
    await section.getByLabel('记录终端会话').selectOption({ label: '纯文本（.log）' });
    await expect.poll(() => section.getByLabel('记录终端会话').inputValue()).toBe('plain');
    expect(await section.innerText()).toContain(`日志保存在：${join(serve.dataDir, 'logs')}`);
    await expectAccessible('the session-log settings in Chinese');
    await shotOf(dialog, 'logs-settings-zh');
    await dialog.getByLabel('语言').selectOption('en');
    await page.getByRole('button', { name: 'Add host' }).waitFor();
  });
});
