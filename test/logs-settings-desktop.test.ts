// The session-logs folder in the desktop app, in the BUILT bundles run by the
// Electron stand-in (test/support/electron-standin/): the page never names a
// path; "Choose logs folder…" makes main show the native folder dialog, whose
// answer the test scripts (the stand-in's dialog model,
// HOSTDECK_STANDIN_DIALOG_ANSWERS). A cancelled dialog changes nothing; a
// chosen folder is shown, kept, and a terminal's log is written there (0600);
// "Use the data folder" goes back. Real sshd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { launchDesktop, type DesktopApp } from './support/electron-standin/launch.js';
import { openSshTab, terminalText, typeInTerminal } from './support/app-page.js';
import { makeHome } from './support/serve.js';
import { makeTempDir } from './support/processes.js';
import { closeActiveTab } from './support/session-tabs.js';
import { startSshd, type Sshd } from './support/sshd.js';

let sshd: Sshd;
let desktop: DesktopApp;
let page: Page;
const answers = join(makeTempDir('logs-dialog-answers'), 'answers.json');
const chosen = makeTempDir('logs-chosen');

/** The person's next answers to the native open dialog (the stand-in's model); none left is a cancel. */
function willChoose(...picks: string[][]): void {
  writeFileSync(answers, JSON.stringify(picks));
}

async function logsSection(): Promise<Locator> {
  await page.getByRole('button', { name: 'Open settings' }).click();
  const section = page.getByRole('dialog', { name: 'Settings' }).getByRole('region', { name: 'Session logs' });
  await section.locator('select').waitFor();
  return section;
}

async function closeSettings(): Promise<void> {
  await page.getByRole('dialog', { name: 'Settings' }).getByRole('button', { name: 'Close' }).click();
}

beforeAll(async () => {
  sshd = await startSshd();
  desktop = launchDesktop({ home: makeHome(), env: { HOSTDECK_STANDIN_DIALOG_ANSWERS: answers } });
  page = await desktop.windowPage();
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
}, 180_000);

afterAll(async () => {
  await desktop?.stop();
  await sshd?.stop();
});

describe('session-logs folder in the desktop app (Electron stand-in, built bundles)', () => {
  it('chooses the folder through the native dialog; a cancel keeps the old one; a log lands in the chosen one', async () => {
    const dataFolder = join(desktop.userData, 'logs');
    let section = await logsSection();
    expect(await section.innerText()).toContain(`Logs go to: ${dataFolder}`);
    // Not chosen yet: no way back to offer.
    expect(await section.getByRole('button', { name: 'Use the data folder' }).count()).toBe(0);

    // Cancelled: the same folder, and main was asked for a folder, nothing else.
    willChoose();
    const asked = desktop.events.filter((e) => e.kind === 'dialog').length;
    await section.getByRole('button', { name: 'Choose logs folder…' }).click();
    await expect.poll(() => desktop.events.filter((e) => e.kind === 'dialog').length).toBe(asked + 1);
    const options = desktop.events.filter((e) => e.kind === 'dialog').at(-1)?.data;
    expect(options).toMatchObject({ kind: 'open', options: { properties: ['openDirectory', 'createDirectory'] } });
    expect(await section.innerText()).toContain(`Logs go to: ${dataFolder}`);

    willChoose([chosen]);
    await section.getByRole('button', { name: 'Choose logs folder…' }).click();
    await expect.poll(() => section.innerText()).toContain(`Logs go to: ${chosen}`);
    await section.getByLabel('Log terminal sessions').selectOption('plain');
    await expect.poll(() => section.getByLabel('Log terminal sessions').inputValue()).toBe('plain');
    await closeSettings();
    const saved = JSON.parse(readFileSync(join(desktop.userData, 'session-logs.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(saved).toMatchObject({ mode: 'plain', folder: chosen });

    // A terminal is logged in the chosen folder, owner-only.
    await openSshTab(page, sshd, 'rig');
    await typeInTerminal(page, 'echo chosen-$((6*7))');
    await expect.poll(() => terminalText(page)).toContain('chosen-42');
    const logs = (): string[] => readdirSync(chosen).filter((f) => f.endsWith('.log'));
    await expect.poll(() => logs().length, { timeout: 20_000 }).toBe(1);
    const file = join(chosen, logs()[0] as string);
    await expect.poll(() => readFileSync(file, 'utf8'), { timeout: 20_000 }).toContain('chosen-42');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(dataFolder) ? readdirSync(dataFolder).filter((f) => f.endsWith('.log')) : []).toEqual([]);
    await closeActiveTab(page, 'rig');

    // Back to the data folder.
    section = await logsSection();
    expect(await section.innerText()).toContain(`Logs go to: ${chosen}`);
    await section.getByRole('button', { name: 'Use the data folder' }).click();
    await expect.poll(() => section.innerText()).toContain(`Logs go to: ${dataFolder}`);
    await closeSettings();
    expect(JSON.parse(readFileSync(join(desktop.userData, 'session-logs.json'), 'utf8'))).not.toHaveProperty('folder');
  });
});
