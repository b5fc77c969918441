// The files panel end to end: serve mode in a real Chromium, a real sshd
// with internal-sftp, a real folder on disk. Browse, type a path, hidden
// files, sort, filter, new folder, rename, permissions, delete with the count
// first, a 10,000-entry folder that stays virtualised, the shell's folder
// through OSC 7, all by keyboard; serve mode's Upload opens the browser's chooser.
// Screenshots go to test-artifacts/ (and $HOSTDECK_SHOTS_DIR when set).
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Sshd } from './support/sshd.js';
import { saveShot } from './support/shots.js';
import { typeInTerminal } from './support/app-page.js';
import {
  activeName,
  filesGrid,
  filesPanel,
  keyTo,
  openFilesPanel,
  sharedFilesPage,
  shownNames,
  typePath,
} from './support/files-page.js';

let sshd: Sshd;
let page: Page;
let root: string;
let big: string;

const shot = (name: string): Promise<void> => saveShot(page, name);

sharedFilesPage(
  {
    'alpha.txt': 'a'.repeat(300),
    'beta.log': 'b'.repeat(10),
    'gamma.bin': 'g'.repeat(5000),
    '.hidden-rc': 'secret',
    docs: null,
    'docs/readme.md': '# hi',
    old: null,
    'old/a.txt': '1',
    'old/deep': null,
    'old/deep/b.txt': '22',
    'old/deep/c.txt': '333',
    'with space': null,
  },
  (rig) => {
    ({ sshd, page, root } = rig);
  },
  (dir, server) => {
    const past = new Date('2020-01-01T00:00:00Z');
    execFileSync('touch', ['-d', past.toISOString(), join(dir, 'gamma.bin')]);
    big = join(dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < 10_000; i++) writeFileSync(join(big, `f${String(i).padStart(5, '0')}.dat`), '');
    execFileSync('chown', ['-R', `${server.passwordUser}:`, big]);
  },
);

describe('files panel (serve mode, real sshd)', () => {
  it('opens beside the terminal with Ctrl+Shift+E, in the login folder, with a splitter', async () => {
    await openFilesPanel(page);
    await expect
      .poll(() => filesPanel(page).locator('.files-crumb[aria-current]').textContent())
      .toBe(sshd.passwordUser);
    const splitter = page.getByRole('separator', { name: 'Resize the files panel' });
    const before = Number(await splitter.getAttribute('aria-valuenow'));
    await splitter.focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => Number(await splitter.getAttribute('aria-valuenow'))).toBe(before + 20);
  });

  it('goes to a typed path; hidden files only when asked', async () => {
    await typePath(page, root);
    await expect
      .poll(() => shownNames(page))
      .toEqual(['big', 'docs', 'old', 'with space', 'alpha.txt', 'beta.log', 'gamma.bin']);
    await filesGrid(page).focus();
    await page.keyboard.press('Control+H');
    await expect.poll(() => shownNames(page)).toContain('.hidden-rc');
    await page.keyboard.press('Control+H');
    await expect.poll(() => shownNames(page)).not.toContain('.hidden-rc');
    await shot('files-browser');
  });

  it('sorts by size and by date, folders first; the header says which', async () => {
    await filesPanel(page).getByRole('combobox', { name: 'Sort by' }).selectOption('size');
    // Folders' own sizes depend on the file system: only the files' order is asserted.
    await expect.poll(async () => (await shownNames(page)).slice(4)).toEqual(['beta.log', 'alpha.txt', 'gamma.bin']);
    await filesPanel(page).getByRole('button', { name: 'Reverse order' }).click();
    await expect.poll(async () => (await shownNames(page)).slice(4)).toEqual(['gamma.bin', 'alpha.txt', 'beta.log']);
    await filesPanel(page).getByRole('button', { name: 'Reverse order' }).click();
    await filesPanel(page).getByRole('combobox', { name: 'Sort by' }).selectOption('date');
    await expect.poll(async () => (await shownNames(page))[4]).toBe('gamma.bin');
    await expect(
      filesGrid(page).getByRole('columnheader', { name: 'Modified' }).getAttribute('aria-sort'),
    ).resolves.toBe('ascending');
    await filesPanel(page).getByRole('combobox', { name: 'Sort by' }).selectOption('name');
  });

  it('filters as you type', async () => {
    await filesGrid(page).focus();
    await page.keyboard.press('Control+F');
    await page.keyboard.type('ta');
    await expect.poll(() => shownNames(page)).toEqual(['beta.log']);
    await expect(filesPanel(page).getByRole('status').textContent()).resolves.toMatch(/1 of 8 items/);
    await filesPanel(page).getByRole('searchbox', { name: 'Filter this folder' }).fill('');
    await expect.poll(() => shownNames(page)).toHaveLength(7);
  });

  it('makes a folder (Ctrl+Shift+N), renames a file (F2), changes permissions (Alt+Enter), by keyboard', async () => {
    await filesGrid(page).focus();
    await page.keyboard.press('Control+Shift+N');
    const mk = page.getByRole('dialog', { name: 'New folder' });
    await page.keyboard.type('fresh');
    await page.keyboard.press('Enter');
    await mk.waitFor({ state: 'detached' });
    await expect.poll(() => shownNames(page)).toContain('fresh');
    expect(statSync(join(root, 'fresh')).isDirectory()).toBe(true);

    await keyTo(page, 'beta.log');
    await page.keyboard.press('F2');
    await page.getByRole('dialog', { name: 'Rename “beta.log”' }).waitFor();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('renamed.log');
    await page.keyboard.press('Enter');
    await expect.poll(() => shownNames(page)).toContain('renamed.log');
    expect(existsSync(join(root, 'renamed.log'))).toBe(true);

    await keyTo(page, 'alpha.txt');
    await page.keyboard.press('Alt+Enter');
    const chmod = page.getByRole('dialog', { name: 'Permissions of “alpha.txt”' });
    await chmod.getByRole('textbox', { name: 'Octal mode' }).fill('640');
    await page.keyboard.press('Enter');
    await chmod.waitFor({ state: 'detached' });
    await expect.poll(() => statSync(join(root, 'alpha.txt')).mode & 0o777).toBe(0o640);
    await expect
      .poll(() => filesGrid(page).locator('[role=row]', { hasText: 'alpha.txt' }).textContent())
      .toContain('rw-r-----');
  });

  it('deletes a folder after saying how much goes (Delete, count first)', async () => {
    await keyTo(page, 'old');
    await page.keyboard.press('Delete');
    const confirm = page.getByRole('alertdialog', { name: 'Delete from the server?' });
    await confirm.waitFor();
    await expect(confirm.textContent()).resolves.toContain('removes 3 files and 2 folders');
    await shot('files-delete-count');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => shownNames(page)).not.toContain('old');
    expect(existsSync(join(root, 'old'))).toBe(false);
  });

  it('opens folders with Enter and goes up with Backspace and back with Alt+Left', async () => {
    await keyTo(page, 'docs');
    await page.keyboard.press('Enter');
    await expect.poll(() => shownNames(page)).toEqual(['readme.md']);
    await page.keyboard.press('Backspace');
    await expect.poll(() => shownNames(page)).toContain('docs');
    await page.keyboard.press('Alt+ArrowLeft');
    await expect.poll(() => shownNames(page)).toEqual(['readme.md']);
    await page.keyboard.press('Alt+ArrowUp');
    await expect.poll(() => shownNames(page)).toContain('docs');
  });

  it('the context menu has every action, reachable by keyboard (Shift+F10)', async () => {
    await keyTo(page, 'with space');
    await page.keyboard.press('Shift+F10');
    const menu = page.getByRole('menu', { name: 'File actions' });
    await menu.waitFor();
    const items = await menu.getByRole('menuitem').allTextContents();
    for (const a of [
      'Open',
      'Rename…',
      'Delete…',
      'New folder…',
      'Permissions…',
      'Download…',
      'Upload files…',
      'Refresh',
    ]) {
      expect(items.some((i) => i.startsWith(a))).toBe(true);
    }
    await page.keyboard.press('Enter'); // the first item: Open
    await expect.poll(() => filesPanel(page).locator('.files-crumb[aria-current]').textContent()).toBe('with space');
    await page.keyboard.press('Backspace');
  });

  it('keeps a 10,000-entry folder virtualised and scrolls to the last entry', async () => {
    await typePath(page, big);
    await expect(filesGrid(page).getAttribute('aria-rowcount')).resolves.toBe('10001');
    const rows = await filesGrid(page).locator('[role=row]').count();
    expect(rows).toBeLessThan(80);
    await filesGrid(page).focus();
    await page.keyboard.press('End');
    await expect.poll(() => activeName(page)).toBe('f09999.dat');
    await expect.poll(async () => (await shownNames(page)).at(-1)).toBe('f09999.dat');
    const last = filesGrid(page).locator('[role=row]', { hasText: 'f09999.dat' });
    await expect(last.getAttribute('aria-rowindex')).resolves.toBe('10001');
    await expect(last.isVisible()).resolves.toBe(true);
    expect(await filesGrid(page).locator('[role=row]').count()).toBeLessThan(80);
    await shot('files-10k-end');
  });

  it('follows the terminal: disabled with a how-to until the shell sends OSC 7', async () => {
    const follow = filesPanel(page).getByRole('button', { name: 'Open the terminal’s current folder' });
    await expect(follow.getAttribute('aria-disabled')).resolves.toBe('true');
    await expect(follow.getAttribute('title')).resolves.toContain('PROMPT_COMMAND');
    await typeInTerminal(
      page,
      `cd '${root}/with space' && printf '\\033]7;file://%s%s\\033\\\\' "$HOSTNAME" "$(pwd | sed 's/ /%20/g')"`,
    );
    await expect.poll(() => follow.getAttribute('aria-disabled')).toBeNull();
    await follow.click();
    await expect.poll(() => filesPanel(page).locator('.files-crumb[aria-current]').textContent()).toBe('with space');
  });

  it("serve mode: Upload files opens the browser's own file chooser, by keyboard", async () => {
    const upload = filesPanel(page).getByRole('button', { name: 'Upload files…' });
    await expect(upload.getAttribute('aria-disabled')).resolves.toBeNull();
    const chooser = page.waitForEvent('filechooser', { timeout: 15_000 });
    // Focus and key in one step: a listing finishing late may move focus in between.
    await upload.press('Enter');
    const fc = await chooser.catch(async (err: unknown) => {
      const focused = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160));
      throw new Error(`no file chooser after Enter; focus was on ${focused}: ${String(err)}`);
    });
    expect(fc.isMultiple()).toBe(true);
    await fc.setFiles([]);
  });

  it('names every control in the panel', async () => {
    const unnamed = await filesPanel(page).evaluate((panel) =>
      [...panel.querySelectorAll('button, input, select, [role=grid], [role=separator]')]
        .filter((e) => (e as HTMLElement).offsetParent !== null)
        .filter(
          (e) =>
            !(
              e.getAttribute('aria-label') ||
              e.getAttribute('title') ||
              (e.tagName === 'BUTTON' && e.textContent?.trim())
            ),
        )
        .map((e) => e.outerHTML.slice(0, 100)),
    );
    expect(unnamed).toEqual([]);
  });

  it('leaves nothing behind on the server it was not asked to make', () => {
    expect(readdirSync(root).sort()).toEqual([
      '.hidden-rc',
      'alpha.txt',
      'big',
      'docs',
      'fresh',
      'gamma.bin',
      'renamed.log',
      'with space',
    ]);
  });
});
