// Serve mode transfers end to end, from the page: a real Chromium on
// `npm run serve`, a real sshd. Uploads go through the browser's own file
// chooser (files and a folder) and stream over the gateway; downloads land in
// the browser's own downloads (a folder as one ZIP). Same queue and drawer as
// the desktop app: conflicts answered in the dialog, cancel leaving nothing
// under the real name.
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { filesGrid, filesPanel, openFilesPanel, sharedFilesPage, typePath } from './support/files-page.js';
import { makeTempDir } from './support/processes.js';

let page: Page;
let root: string;
let local: string;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const hdparts = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.hdpart'));

async function chooseFiles(button: string, paths: string | string[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await filesPanel(page).getByRole('button', { name: button }).click();
  await (await chooser).setFiles(paths);
}

function row(name: string) {
  return filesGrid(page)
    .getByRole('row')
    .filter({ has: page.locator('.files-col-name', { hasText: new RegExp(`^${name}$`) }) });
}

async function waitDone(name: string): Promise<void> {
  const item = filesPanel(page).locator('.transfer-row', { hasText: name }).last();
  await expect.poll(() => item.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
}

sharedFilesPage(
  {
    'remote.bin': randomBytes(3 * 1024 * 1024 + 7).toString('latin1'),
    'empty.txt': '',
    tree: null,
    'tree/a.txt': 'alpha',
    'tree/sub': null,
    'tree/sub/b.txt': 'beta beta',
    'tree/sub/deeper': null,
    clash: null,
    'clash/one.txt': 'old one',
    'clash/two.txt': 'old two',
  },
  async (rig) => {
    ({ page, root } = rig);
    local = makeTempDir('page-files');
    await openFilesPanel(page);
    await typePath(page, root);
  },
);

describe('serve mode: uploads from the page', () => {
  it('uploads a 0-byte file and a multi-MB file, byte for byte, and shows them', async () => {
    const big = randomBytes(5 * 1024 * 1024 + 123);
    writeFileSync(join(local, 'zero.dat'), '');
    writeFileSync(join(local, 'big.dat'), big);
    await chooseFiles('Upload files…', [join(local, 'zero.dat'), join(local, 'big.dat')]);
    await waitDone('zero.dat');
    await waitDone('big.dat');
    expect(statSync(join(root, 'zero.dat')).size).toBe(0);
    expect(sha(readFileSync(join(root, 'big.dat')))).toBe(sha(big));
    expect(hdparts(root)).toEqual([]);
    await row('big.dat').waitFor();
  });

  it('uploads a folder with nested files as one item', async () => {
    const dir = join(local, 'project');
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'README.md'), '# project');
    writeFileSync(join(dir, 'src', 'main.ts'), 'export {};\n');
    writeFileSync(join(dir, 'src', 'deep', 'data.bin'), randomBytes(700_000));
    await chooseFiles('Upload a folder…', dir);
    await waitDone('project');
    for (const rel of ['README.md', 'src/main.ts', 'src/deep/data.bin'])
      expect(sha(readFileSync(join(root, 'project', rel)))).toBe(sha(readFileSync(join(dir, rel))));
    const item = filesPanel(page).locator('.transfer-row', { hasText: 'project' }).last();
    await expect.poll(() => item.textContent()).toContain('3');
  });

  it('asks about clashes in the dialog; "apply to all" answers the rest', async () => {
    const dir = join(local, 'clash');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'one.txt'), 'new one');
    writeFileSync(join(dir, 'two.txt'), 'new two');
    await chooseFiles('Upload a folder…', dir);
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: 'Overwrite', exact: true }).check();
    await dialog.getByRole('checkbox').check();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await waitDone('clash');
    expect(readFileSync(join(root, 'clash', 'one.txt'), 'utf8')).toBe('new one');
    expect(readFileSync(join(root, 'clash', 'two.txt'), 'utf8')).toBe('new two');
    await expect(page.getByRole('dialog').count()).resolves.toBe(0);
  });

  it('a file that changed after it was chosen fails its item with SFTP_LOCAL_IO, the old file left as it was', async () => {
    // remote.bin clashes: the item waits on the question while the chosen file changes under the browser.
    const path = join(local, 'remote.bin');
    writeFileSync(path, randomBytes(600 * 1024));
    const before = sha(readFileSync(join(root, 'remote.bin')));
    await chooseFiles('Upload files…', [path]);
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    writeFileSync(path, randomBytes(700 * 1024));
    utimesSync(path, new Date(), new Date(Date.now() + 60_000));
    await dialog.getByRole('radio', { name: 'Overwrite', exact: true }).check();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    const item = filesPanel(page).locator('.transfer-row', { hasText: 'remote.bin' }).last();
    await expect.poll(() => item.getAttribute('data-state'), { timeout: 30_000 }).toBe('failed');
    await expect(item.textContent()).resolves.toContain('could not read or write the file on this computer');
    expect(sha(readFileSync(join(root, 'remote.bin')))).toBe(before);
    await expect.poll(() => hdparts(root)).toEqual([]);
  });

  it('a file that changes mid-upload fails its item and leaves no temporary file', async () => {
    // The socket reads each frame's Blob itself: a Blob it cannot read must still end the item, not hang it.
    const path = join(local, 'growing.dat');
    writeFileSync(path, randomBytes(160 * 1024 * 1024));
    await chooseFiles('Upload files…', [path]);
    const item = filesPanel(page).locator('.transfer-row', { hasText: 'growing.dat' }).last();
    await expect.poll(() => item.getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
    appendFileSync(path, 'more');
    utimesSync(path, new Date(), new Date(Date.now() + 60_000));
    await expect.poll(() => item.getAttribute('data-state'), { timeout: 60_000 }).toBe('failed');
    expect(existsSync(join(root, 'growing.dat'))).toBe(false);
    await expect.poll(() => hdparts(root)).toEqual([]);
  });

  it('cancel leaves no file under the real name, and no temporary file', async () => {
    writeFileSync(join(local, 'huge.dat'), randomBytes(160 * 1024 * 1024));
    await chooseFiles('Upload files…', [join(local, 'huge.dat')]);
    const item = filesPanel(page).locator('.transfer-row', { hasText: 'huge.dat' }).last();
    await expect.poll(() => item.getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
    await item.getByRole('button', { name: /Cancel/ }).click();
    await expect.poll(() => item.getAttribute('data-state'), { timeout: 30_000 }).toBe('cancelled');
    expect(existsSync(join(root, 'huge.dat'))).toBe(false);
    await expect.poll(() => hdparts(root)).toEqual([]);
  });
});

describe('serve mode: downloads into the browser', () => {
  it('downloads a file and a 0-byte file, byte for byte', async () => {
    for (const name of ['remote.bin', 'empty.txt']) {
      await row(name).click();
      const download = page.waitForEvent('download');
      await page.keyboard.press('Control+d');
      const d = await download;
      expect(d.suggestedFilename()).toBe(name);
      const path = await d.path();
      expect(sha(readFileSync(path))).toBe(sha(readFileSync(join(root, name))));
      await waitDone(name);
    }
  });

  it('downloads a folder as one ZIP that unzip reads whole', async () => {
    await row('tree').click();
    const download = page.waitForEvent('download');
    await page.keyboard.press('Control+d');
    const d = await download;
    expect(d.suggestedFilename()).toBe('tree.zip');
    const out = makeTempDir('unzipped');
    execFileSync('unzip', ['-q', await d.path(), '-d', out]);
    expect(readFileSync(join(out, 'tree', 'a.txt'), 'utf8')).toBe('alpha');
    expect(readFileSync(join(out, 'tree', 'sub', 'b.txt'), 'utf8')).toBe('beta beta');
    expect(statSync(join(out, 'tree', 'sub', 'deeper')).isDirectory()).toBe(true);
    await waitDone('tree');
  });
});
