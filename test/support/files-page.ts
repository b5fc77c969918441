// The files panel as a person uses it, for the SFTP browser's end-to-end
// tests: the rig (sshd, serve, Chromium, a logged-in SSH tab), a remote folder
// made on disk for the sshd account, and the panel's controls found by role
// and name (what a screen reader would announce).
import { afterAll, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { openAppPage, openSshTab } from './app-page.js';
import { startChromium } from './chromium.js';
import { makeHome, startServe, type ServeProcess } from './serve.js';
import { startSshd, type Sshd } from './sshd.js';

/** What a files-panel end-to-end file drives. */
export interface FilesPageRig {
  sshd: Sshd;
  serve: ServeProcess;
  browser: Browser;
  page: Page;
  /** The remote folder made from the tree, in the password user's home. */
  root: string;
}

/**
 * The hooks of a files-panel end-to-end file. Before all (up to 120 s): a rig
 * sshd, `npm run serve` on a fresh home and Chromium start, `tree` is made in
 * the password user's home (makeRemoteTree), `prepare` adds what the file
 * needs there, and a page on the app logs in to an SSH tab as that user; then
 * `ready` gets the rig. After all: Chromium, serve and sshd stop and the
 * folder is removed.
 */
export function sharedFilesPage(
  tree: Record<string, string | null>,
  ready: (rig: FilesPageRig) => void | Promise<void>,
  prepare: (root: string, sshd: Sshd) => void = () => undefined,
): void {
  const rig: Partial<FilesPageRig> = {};
  beforeAll(async () => {
    const sshd = (rig.sshd = await startSshd());
    const serve = (rig.serve = await startServe({ home: makeHome() }));
    const browser = (rig.browser = await startChromium());
    const root = (rig.root = makeRemoteTree(sshd.passwordUser, tree));
    prepare(root, sshd);
    const page = (rig.page = await openAppPage(browser, serve.url));
    await openSshTab(page, sshd);
    await ready({ sshd, serve, browser, page, root });
  }, 120_000);
  afterAll(async () => {
    await rig.browser?.close();
    await rig.serve?.stop();
    await rig.sshd?.stop();
    if (rig.root) execFileSync('rm', ['-rf', rig.root], { timeout: 30_000 });
  });
}

/**
 * Makes `tree` (relative path → file contents, or null for a folder) in a
 * fresh folder in `user`'s home, owned by that account, and returns its path.
 */
export function makeRemoteTree(user: string, tree: Record<string, string | null>): string {
  const home = execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).split(':')[5] ?? `/home/${user}`;
  const root = join(home, `sftp-ui-${randomBytes(4).toString('hex')}`);
  mkdirSync(root, { recursive: true });
  for (const [rel, body] of Object.entries(tree)) {
    const p = join(root, rel);
    if (body === null) mkdirSync(p, { recursive: true });
    else {
      mkdirSync(join(p, '..'), { recursive: true });
      writeFileSync(p, body);
    }
  }
  execFileSync('chown', ['-R', `${user}:`, root]);
  return root;
}

/** The visible tab's files panel. */
export function filesPanel(page: Page): Locator {
  return page.locator('[role=tabpanel]:not([hidden])').getByRole('region', { name: 'Files on the server' });
}

export function filesGrid(page: Page): Locator {
  return filesPanel(page).getByRole('grid', { name: 'Folder contents' });
}

/** Opens the panel with its shortcut from the terminal and waits for a listing. */
export async function openFilesPanel(page: Page): Promise<void> {
  await page.locator('[role=tabpanel]:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.press('Control+Shift+E');
  await filesGrid(page).waitFor();
  await filesPanel(page).locator('.files-status').filter({ hasText: /items/ }).waitFor();
}

/** Goes to `path` by typing it into the path bar (Ctrl+L), and waits for the bar to show it. */
export async function typePath(page: Page, path: string): Promise<void> {
  await filesGrid(page).focus();
  await page.keyboard.press('Control+L');
  const input = filesPanel(page).getByRole('textbox', { name: 'Folder path' });
  await input.fill(path);
  await input.press('Enter');
  const last = path.split('/').filter(Boolean).pop() ?? '/';
  await filesPanel(page).locator('.files-crumb[aria-current]', { hasText: last }).waitFor();
}

/** Names in the grid's drawn rows, top to bottom (only the rows in the DOM: the grid is virtualised). */
export function shownNames(page: Page): Promise<string[]> {
  return filesGrid(page)
    .locator('.files-spacer [role=row]:not([hidden])')
    .evaluateAll((rows) =>
      rows
        .map((r) => ({
          i: Number(r.getAttribute('aria-rowindex')),
          name: r.querySelector('.files-col-name')?.textContent ?? '',
        }))
        .sort((a, b) => a.i - b.i)
        .map((r) => r.name),
    );
}

/** The name in the row the grid calls active (aria-activedescendant). */
export function activeName(page: Page): Promise<string> {
  return filesGrid(page).evaluate((g) => {
    const id = g.getAttribute('aria-activedescendant');
    return (id && g.ownerDocument.getElementById(id)?.querySelector('.files-col-name')?.textContent) || '';
  });
}

/** Moves the active row to the entry named `name` with the keyboard only (Home, then ArrowDown). */
export async function keyTo(page: Page, name: string): Promise<void> {
  await filesGrid(page).focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 200; i++) {
    if ((await activeName(page)) === name) return;
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`no row named ${name}`);
}
