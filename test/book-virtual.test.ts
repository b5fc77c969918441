// The address book with 1,000 hosts, in serve mode in a real Chromium: only
// the lines in view are in the DOM (renderer/src/ui/address-book.ts), yet the
// tree behaves as if every line were there. The keyboard reaches every host
// (End, PageDown, arrows across the edge of what is drawn), focus never falls
// off a line that scrolled away, the scroll bar is as long as the whole book,
// screen readers get each line's level and place among its siblings, and DOM
// order is line order. Search finds a host far out of view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AddressBookStore } from '../main/store/address-book-store.js';
import { startChromium } from './support/chromium.js';
import { makeHome, startServe, type ServeProcess } from './support/serve.js';
import { makeTempDir } from './support/processes.js';
import { axeViolations, describeFindings, openAppPage } from './support/app-page.js';
import { saveShot } from './support/shots.js';

const HOSTS = 1000;
let browser: Browser;
let serve: ServeProcess;
let page: Page;

/** Ten folders of 100 hosts, named so that name order is index order: "host-0000" … "host-0999". */
function writeBigBook(dataDir: string): void {
  const store = AddressBookStore.open({ dataDir });
  try {
    for (let i = 0; i < HOSTS; i++)
      store.saveHost({
        name: `host-${String(i).padStart(4, '0')}`,
        protocol: 'ssh',
        address: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        port: 22,
        username: 'ops',
        folder: [`group-${Math.floor(i / 100)}`],
        tags: [],
        notes: '',
      });
    store.flush(true);
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  const dataDir = join(makeTempDir('book-virtual'), 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  writeBigBook(dataDir);
  serve = await startServe({ dataDir, home: makeHome() });
  browser = await startChromium();
  page = await openAppPage(browser, serve.url);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

const tree = (): ReturnType<Page['getByRole']> => page.getByRole('tree');
const drawnLines = (): Promise<number> => page.locator('[role=treeitem]').count();
const focused = (): Promise<string> =>
  page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return a?.getAttribute('role') === 'treeitem' ? (a.querySelector('.book-name')?.textContent ?? '') : '';
  });

describe('a book of 1,000 hosts', () => {
  it('draws a screenful of lines, as many as fit, and a scroll bar as long as all 1,010 lines', async () => {
    expect(await tree().getAttribute('data-hosts')).toBe(String(HOSTS));
    const drawn = await drawnLines();
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(100);
    const [scrollHeight, lineHeight] = await tree().evaluate((t) => [
      t.scrollHeight,
      (t.querySelector('[role=treeitem]') as HTMLElement).getBoundingClientRect().height,
    ]);
    expect(scrollHeight).toBe(1010 * lineHeight);
    await expect.poll(() => page.getByText('Hosts: 1000', { exact: true }).count()).toBe(1);
  });

  it('every line says its level and its place among its siblings, in DOM order = line order', async () => {
    const lines = await page.locator('[role=treeitem]').evaluateAll((ls) =>
      ls.map((l) => ({
        name: l.querySelector('.book-name')?.textContent,
        level: l.getAttribute('aria-level'),
        pos: l.getAttribute('aria-posinset'),
        size: l.getAttribute('aria-setsize'),
        top: (l as HTMLElement).offsetTop,
      })),
    );
    expect(lines.slice(0, 3)).toEqual([
      { name: 'group-0', level: '1', pos: '1', size: '10', top: 0 },
      { name: 'host-0000', level: '2', pos: '1', size: '100', top: lines[1]?.top },
      { name: 'host-0001', level: '2', pos: '2', size: '100', top: lines[2]?.top },
    ]);
    const tops = lines.map((l) => l.top);
    expect(tops).toEqual([...tops].sort((a, b) => a - b));
  });

  it('keyboard: End reaches the last host, Home the first, PageDown/PageUp a view at a time, arrows across the drawn edge', async () => {
    // A click on a host line selects it (one on a folder line would fold it).
    await page.getByText('host-0000', { exact: true }).click();
    expect(await focused()).toBe('host-0000');
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe('group-0');
    await page.keyboard.press('End');
    expect(await focused()).toBe('host-0999');
    await page.keyboard.press('ArrowUp');
    expect(await focused()).toBe('host-0998');
    await page.keyboard.press('Home');
    expect(await focused()).toBe('group-0');
    await page.keyboard.press('PageDown');
    // One view (the tree's height in lines, less one) further.
    const view = await tree().evaluate((t) => Math.floor(t.clientHeight / 26) - 1);
    expect(await focused()).toBe(`host-${String(view - 1).padStart(4, '0')}`);
    await page.keyboard.press('PageUp');
    expect(await focused()).toBe('group-0');
    // Arrow down 150 times: from group-0 through group-1's folder line to host-0148.
    for (let i = 0; i < 150; i++) await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('host-0148');
    expect(await drawnLines()).toBeLessThan(100);
    await saveShot(page, 'book-virtual-scrolled');
  });

  it('focus stays on its line when the wheel scrolls it away, and the line is there again when scrolled back', async () => {
    await page.keyboard.press('Home');
    expect(await focused()).toBe('group-0');
    // Line 769 (host-0761) at the top of the view.
    await tree().evaluate((t) => (t.scrollTop = 20_000));
    await expect.poll(() => page.getByText('host-0765', { exact: true }).count()).toBeGreaterThan(0);
    expect(await focused()).toBe('group-0');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('host-0000');
    expect(await tree().evaluate((t) => t.scrollTop)).toBeLessThan(100);
  });

  it('folding a folder takes its 100 lines out; search finds a host far out of view', async () => {
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByText('host-0000', { exact: true }).count()).toBe(0);
    expect(await tree().evaluate((t) => t.scrollHeight)).toBeLessThan(
      await tree().evaluate((t) => 911 * (t.querySelector('[role=treeitem]') as HTMLElement).offsetHeight),
    );
    await page.keyboard.press('ArrowRight');
    const search = page.getByRole('searchbox', { name: 'Search hosts' });
    await search.fill('host-0987');
    await expect(
      page
        .getByRole('treeitem', { name: /^host-0987/ })
        .first()
        .isVisible(),
    ).resolves.toBe(true);
    await search.fill('');
    const found = describeFindings(await axeViolations(page));
    expect(found, found.join('\n')).toEqual([]);
  });
});
