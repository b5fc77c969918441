// The desktop app's transfers, in the BUILT bundles run by the Electron
// stand-in (test/support/electron-standin/): main reads and writes local
// files it was given by the native open dialog (the stand-in's dialog model:
// the test scripts the person's answer) or by an OS drop (a trusted drop,
// dispatched through the DevTools protocol, whose paths the preload turns into
// handles). The page never holds a path. Real sshd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchDesktop, type DesktopApp } from './support/electron-standin/launch.js';
import { openSshTab } from './support/app-page.js';
import { filesGrid, filesPanel, makeRemoteTree, openFilesPanel, typePath } from './support/files-page.js';
import { makeHome } from './support/serve.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { makeTempDir } from './support/processes.js';

let sshd: Sshd;
let desktop: DesktopApp;
let page: Page;
let root: string;
const local = makeTempDir('desktop-local');
const answers = join(makeTempDir('dialog-answers'), 'answers.json');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The person's next answers to the native open dialog (the stand-in's model). */
function willChoose(...picks: string[][]): void {
  writeFileSync(answers, JSON.stringify(picks));
}

function row(name: string) {
  return filesGrid(page)
    .getByRole('row')
    .filter({ has: page.locator('.files-col-name', { hasText: new RegExp(`^${name}$`) }) });
}

beforeAll(async () => {
  sshd = await startSshd();
  root = makeRemoteTree(sshd.passwordUser, { 'remote.bin': randomBytes(2 * 1024 * 1024 + 5).toString('latin1') });
  desktop = launchDesktop({ home: makeHome(), env: { HOSTDECK_STANDIN_DIALOG_ANSWERS: answers } });
  page = await desktop.windowPage();
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
  await openSshTab(page, sshd);
  await openFilesPanel(page);
  await typePath(page, root);
}, 120_000);

afterAll(async () => {
  await desktop?.stop();
  await sshd?.stop();
  if (root) execFileSync('rm', ['-rf', root]);
});

describe('desktop transfers (Electron stand-in, built bundles)', () => {
  it('downloads into the folder chosen in the native dialog', async () => {
    willChoose([local]);
    await row('remote.bin').click();
    await page.keyboard.press('Control+d');
    const asked = await desktop.waitFor('dialog');
    expect(asked).toMatchObject({ kind: 'open', options: { properties: ['openDirectory', 'createDirectory'] } });
    await expect.poll(() => existsSync(join(local, 'remote.bin')), { timeout: 30_000 }).toBe(true);
    expect(sha(readFileSync(join(local, 'remote.bin')))).toBe(sha(readFileSync(join(root, 'remote.bin'))));
  });

  it('uploads the files chosen in the native dialog', async () => {
    const body = randomBytes(1024 * 1024 + 3);
    writeFileSync(join(local, 'picked.bin'), body);
    willChoose([join(local, 'picked.bin')]);
    await filesPanel(page).getByRole('button', { name: 'Upload files…' }).click();
    await expect.poll(() => existsSync(join(root, 'picked.bin')), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => sha(readFileSync(join(root, 'picked.bin'))), { timeout: 30_000 }).toBe(sha(body));
    await row('picked.bin').waitFor();
  });

  it('uploads files dropped from the OS; a drop a script makes gives main nothing', async () => {
    writeFileSync(join(local, 'dropped.txt'), 'from the desktop');
    // A page script's own drop: untrusted, with a File that has no path.
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['x'], 'forged.txt'));
      const target = document.querySelector('.files-panel') as HTMLElement;
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const none = await page.evaluate(() =>
      (window as unknown as { hostdeck: { droppedFiles(): Promise<unknown[]> } }).hostdeck.droppedFiles(),
    );
    expect(none).toEqual([]);
    // The OS's drop: trusted events through the DevTools protocol, paths known to the stand-in's webUtils model.
    await page.evaluate(
      (p) => {
        (window as unknown as { __hostdeckStandinDropPaths: Record<string, string> }).__hostdeckStandinDropPaths = {
          'dropped.txt': p,
        };
      },
      join(local, 'dropped.txt'),
    );
    const box = await filesGrid(page).boundingBox();
    const at = { x: (box?.x ?? 0) + 40, y: (box?.y ?? 0) + 40 };
    const cdp = await page.context().newCDPSession(page);
    const data = { items: [], files: [join(local, 'dropped.txt')], dragOperationsMask: 1 };
    for (const type of ['dragEnter', 'dragOver', 'drop'] as const)
      await cdp.send('Input.dispatchDragEvent', { type, ...at, data });
    await expect.poll(() => existsSync(join(root, 'dropped.txt')), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => readFileSync(join(root, 'dropped.txt'), 'utf8')).toBe('from the desktop');
    expect(existsSync(join(root, 'forged.txt'))).toBe(false);
  });
});
