// The files panel as a person uses it, for the SFTP browser's end-to-end
// tests: the rig (sshd, serve, Chromium, a logged-in SSH tab), a remote folder
// made on disk for the sshd account, and the panel's controls found by role
// and name (what a screen reader would announce).
import { afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { openSshTab } from './app-page.js';
import { sharedAppPage } from './app-rig.js';
import type { ServeProcess } from './serve.js';
import type { Sshd } from './sshd.js';

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
 * The hooks of a files-panel end-to-end file: sharedAppPage's rig (sshd,
 * serve, Chromium, a page), then `tree` is made in the password user's home
 * (makeRemoteTree), `prepare` adds what the file needs there, and the page
 * logs in to an SSH tab as that user; then `ready` gets the rig. After all:
 * the folder is removed (and sharedAppPage stops the rest).
 */
export function sharedFilesPage(
  tree: Record<string, string | null>,
  ready: (rig: FilesPageRig) => void | Promise<void>,
  prepare: (root: string, sshd: Sshd) => void = () => undefined,
): void {
  let root: string | undefined;
  sharedAppPage(async (rig) => {
    root = makeRemoteTree(rig.sshd.passwordUser, tree);
    prepare(root, rig.sshd);
    await openSshTab(rig.page, rig.sshd);
    await ready({ ...rig, root });
  });
  afterAll(() => {
    if (root) execFileSync('rm', ['-rf', root], { timeout: 30_000 });
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
