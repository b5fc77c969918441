// The transfers drawer and the conflict dialog in a real Chromium, driven by
// a scripted stand-in for main's API. Why not end to end: no transfer can be
// started from the page yet (serve mode has no browser-side transfer; the
// desktop shell does not wire localFiles.pick), so these two parts are fed
// the contract's events (shared/sftp.ts) directly: 10,000 queue items,
// progress floods, a folder's children paged, a conflict answered by keyboard.
// Screenshots go to test-artifacts/ (and $HOSTDECK_SHOTS_DIR when set).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { startChromium } from './support/chromium.js';
import { saveShot } from './support/shots.js';

const root = join(import.meta.dirname, '..');
/** The shots the SFTP notes show (light theme), when that folder exists. */

// The page side: the real TransferCenter and TransfersDrawer on an API whose
// calls are recorded and whose events the test sends (window.harness).
const HARNESS = `
import './renderer/src/styles.css';
import { TransferCenter } from './renderer/src/files/transfer-center.ts';
import { TransfersDrawer } from './renderer/src/files/transfers-drawer.ts';
import { loadLocale } from './renderer/src/i18n/i18n.ts';
document.documentElement.dataset.theme = 'light';
await loadLocale(document.documentElement.lang === 'zh-CN' ? 'zh-CN' : 'en');
const listeners = new Map();
const calls = [];
const api = {
  async call(method, ...params) {
    calls.push([method, params]);
    if (method === 'transfers.list') return [];
    if (method === 'transfers.children') {
      const [, offset, limit] = params;
      const total = 2000;
      const n = Math.max(0, Math.min(limit, total - offset));
      return { total, children: Array.from({ length: n }, (_, i) => ({ relative: 'src/module-' + (offset + i) + '/index.ts', state: (offset + i) % 4 === 0 ? 'running' : 'done', bytesTotal: 8192, bytesDone: (offset + i) % 4 === 0 ? 3000 : 8192 })) };
    }
    return null;
  },
  on(event, fn) {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event).add(fn);
    return () => listeners.get(event).delete(fn);
  },
};
const center = new TransferCenter(api);
const drawer = new TransfersDrawer(api, center);
const box = document.createElement('div');
box.className = 'files-panel';
box.style.height = '520px';
box.append(drawer.element);
document.body.append(box);
drawer.element.style.height = '100%';
drawer.toggle(true);
let redraws = 0;
center.subscribe(() => redraws++);
window.harness = {
  calls,
  redraws: () => redraws,
  emit(event, payload) { for (const fn of listeners.get(event) ?? []) fn(payload); },
};
`;

let browser: Browser;
let page: Page;

const shot = (name: string): Promise<void> => saveShot(page, name);

function item(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `t${i}`,
    state: 'queued',
    bytesTotal: 1_000_000,
    bytesDone: 0,
    filesTotal: 1,
    filesDone: 0,
    speed: 0,
    eta: null,
    direction: i % 2 ? 'upload' : 'download',
    kind: 'file',
    sftpId: 's1',
    name: `file-${i}.bin`,
    remoteText: '/srv',
    children: 0,
    filesFailed: 0,
    filesSkipped: 0,
    createdAt: 1000 + i,
    ...over,
  };
}

/** The running folder item t0 the drawer tests act on. */
function project(over: Record<string, unknown> = {}): Record<string, unknown> {
  return item(0, {
    kind: 'folder',
    name: 'project',
    state: 'running',
    bytesTotal: 16_384_000,
    bytesDone: 6_000_000,
    filesTotal: 2000,
    filesDone: 731,
    speed: 41_000_000,
    eta: 12,
    children: 2000,
    ...over,
  });
}

beforeAll(async () => {
  const out = await build({
    stdin: { contents: HARNESS, resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    outdir: join(root, 'out', 'sftp-ui-harness'),
    logLevel: 'silent',
  });
  harnessJs = out.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  harnessCss = out.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  browser = await startChromium();
  page = await openHarness('en');
}, 60_000);

let harnessJs = '';
let harnessCss = '';

/** A fresh page with the drawer in `lang`, light theme. */
async function openHarness(lang: 'en' | 'zh-CN'): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 900, height: 560 }, colorScheme: 'light' });
  p.on('pageerror', (err) => console.error('page error:', err.message));
  await p.setContent(
    `<!doctype html><html lang="${lang}"><head><style>${harnessCss}</style></head><body></body></html>`,
  );
  await p.addScriptTag({ content: harnessJs, type: 'module' });
  await p.waitForFunction('window.harness !== undefined');
  return p;
}

function emitOn(p: Page, event: string, payload: unknown): Promise<void> {
  return p.evaluate(
    ([e, x]) => (window as never as { harness: { emit(e: string, p: unknown): void } }).harness.emit(e, x),
    [event, payload] as const,
  );
}

afterAll(async () => {
  await browser?.close();
});

describe('transfers drawer', () => {
  it('shows 10,000 items with only the visible rows in the DOM', async () => {
    const items = [project({ filesSkipped: 3 })];
    for (let i = 1; i < 10_000; i++) items.push(item(i));
    await page.evaluate((all) => {
      for (const it of all)
        (window as never as { harness: { emit(e: string, p: unknown): void } }).harness.emit('transfer.changed', it);
    }, items);
    await expect.poll(() => page.locator('.transfer-row[aria-setsize="10000"]').count()).toBeGreaterThan(0);
    expect(await page.locator('.transfer-row:not([hidden])').count()).toBeLessThan(40);
    await expect(page.locator('.transfers-summary').textContent()).resolves.toBe('10000 of 10000 active');
  });

  it('applies a flood of progress events once per frame', async () => {
    const before = await page.evaluate<number>('window.harness.redraws()');
    await page.evaluate(
      `(() => { for (let k = 1; k <= 500; k++) window.harness.emit('transfer.progress', { items: [{ id: 't0', state: 'running', bytesTotal: 16384000, bytesDone: 6000000 + k * 10000, filesTotal: 2000, filesDone: 731 + k, speed: 41000000, eta: 12 }] }); })()`,
    );
    await expect.poll(() => page.locator('[data-id=t0] .transfer-facts').textContent()).toContain('1231 of 2000 files');
    const after = await page.evaluate<number>('window.harness.redraws()');
    // 500 events sent in one task: at most a frame or two of redraws, never one per event.
    expect(after - before).toBeLessThanOrEqual(2);
  });

  it('expands a folder item to its files, a page at a time', async () => {
    await page.getByRole('button', { name: 'Show the files of project' }).click();
    await page.getByText('src/module-0/index.ts').waitFor();
    await expect(
      page.getByRole('button', { name: 'Show the files of project' }).getAttribute('aria-expanded'),
    ).resolves.toBe('true');
    const children = await page.evaluate<Array<[string, unknown[]]>>(
      'window.harness.calls.filter((c) => c[0] === "transfers.children")',
    );
    expect(children[0]?.[1]).toEqual(['t0', 0, 200]);
    await shot('files-transfer-folder');
  });

  it('pause, resume, cancel and retry go to main by item id', async () => {
    await page.getByRole('button', { name: 'Pause: project' }).click();
    await page.evaluate(
      (it) =>
        (window as never as { harness: { emit(e: string, p: unknown): void } }).harness.emit('transfer.changed', it),
      item(5, { state: 'failed', error: { code: 'SFTP_LOCAL_IO', message: 'Could not write the local file.' } }),
    );
    await page.locator('.transfers-viewport').evaluate((v) => (v.scrollTop = 48 * 200 + 48 * 5));
    await page.getByRole('button', { name: 'Retry: file-5.bin' }).click();
    const calls = await page.evaluate<Array<[string, unknown[]]>>('window.harness.calls.map((c) => [c[0], c[1]])');
    expect(calls).toContainEqual(['transfers.pause', ['t0']]);
    expect(calls).toContainEqual(['transfers.retry', ['t5']]);
  });

  it('keeps keyboard focus on the item across progress frames and state changes', async () => {
    const emit = (event: string, payload: unknown): Promise<void> =>
      page.evaluate(
        ([e, p]) => (window as never as { harness: { emit(e: string, p: unknown): void } }).harness.emit(e, p),
        [event, payload] as const,
      );
    const frame = (): Promise<unknown> => page.evaluate('new Promise((r) => requestAnimationFrame(() => r(0)))');
    await page.locator('.transfers-viewport').evaluate((v) => (v.scrollTop = 0));
    await emit('transfer.changed', project({}));
    await frame();
    const bar = page.locator('.transfer-row[data-id=t0] .transfer-bar');
    const barBefore = await bar.getAttribute('aria-valuenow');
    await page.getByRole('button', { name: 'Cancel: project' }).focus();
    await page.evaluate('window.focusedCancel = document.activeElement');
    for (let k = 1; k <= 5; k++) {
      await emit('transfer.progress', {
        items: [{ id: 't0', state: 'running', bytesTotal: 16_384_000, bytesDone: 6_000_000 + k * 1_500_000 }],
      });
      await frame();
      // The same element, still in the document, still focused: a progress frame rebuilds nothing.
      expect(
        await page.evaluate('window.focusedCancel.isConnected && document.activeElement === window.focusedCancel'),
      ).toBe(true);
    }
    expect(await bar.getAttribute('aria-valuenow')).not.toBe(barBefore);
    expect(await bar.getAttribute('aria-valuenow')).toBe(String(Math.round((13_500_000 / 16_384_000) * 100)));

    // Paused: the row is rebuilt (Pause gives way to Resume); focus moves to the new Cancel of the same item.
    await emit('transfer.changed', project({ state: 'paused', bytesDone: 13_500_000 }));
    await frame();
    expect(await page.evaluate('window.focusedCancel.isConnected')).toBe(false);
    await expect(page.evaluate('document.activeElement.getAttribute("aria-label")')).resolves.toBe('Cancel: project');

    // The focused action itself goes away: Resume pressed by keyboard, and Pause takes its place under focus.
    await page.getByRole('button', { name: 'Resume: project' }).focus();
    await emit('transfer.changed', project({ state: 'running', bytesDone: 13_500_000 }));
    await frame();
    await expect(page.evaluate('document.activeElement.getAttribute("aria-label")')).resolves.toBe('Pause: project');

    // The pooled row scrolls to another item: focus must not land on that item's button (Enter would act on it).
    await page.locator('.transfers-viewport').evaluate((v) => (v.scrollTop = 48 * 3000));
    await expect
      .poll(() => page.evaluate('document.activeElement.dataset.id ?? document.activeElement.className'))
      .toBe('transfers-viewport');
    await page.locator('.transfers-viewport').evaluate((v) => (v.scrollTop = 0));
  });
});

describe('conflict dialog', () => {
  const question = {
    questionId: 'q1',
    transferId: 't0',
    name: 'index.ts',
    relative: 'src/module-7/index.ts',
    existing: { size: 8192, mtimeMs: Date.UTC(2025, 0, 2) },
    incoming: { size: 9000, mtimeMs: Date.UTC(2026, 5, 1) },
    remaining: 41,
  };

  it('answers by keyboard only, with apply to all, focus kept inside', async () => {
    await page.evaluate(
      (q) =>
        (window as never as { harness: { emit(e: string, p: unknown): void } }).harness.emit('transfer.conflict', q),
      question,
    );
    const dialog = page.getByRole('dialog', { name: 'A file with this name already exists' });
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('src/module-7/index.ts');
    // Skip (the safe choice) has focus; ArrowDown moves to "Keep both".
    await expect(page.evaluate('document.activeElement.value')).resolves.toBe('skip');
    await page.keyboard.press('ArrowDown');
    await shot('files-conflict');
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      expect(await page.evaluate('!!document.activeElement.closest("dialog")')).toBe(true);
    }
    await dialog.getByRole('checkbox', { name: /Do this for the other clashes too/ }).focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    // The answer goes out when the dialog's close event resolves its promise,
    // which can come a task after the element leaves the DOM.
    await page.waitForFunction('window.harness.calls.some((c) => c[0] === "transfers.answerConflict")');
    const calls = await page.evaluate<Array<[string, unknown[]]>>(
      'window.harness.calls.filter((c) => c[0] === "transfers.answerConflict")',
    );
    expect(calls).toEqual([['transfers.answerConflict', ['q1', { choice: 'rename', applyToAll: true }]]]);
  });

  it('Esc answers skip; a question that goes away closes its dialog unanswered', async () => {
    await page.evaluate(
      (q) =>
        (window as never as { harness: { emit(e: string, p: unknown): void } }).harness.emit('transfer.conflict', q),
      { ...question, questionId: 'q2' },
    );
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.evaluate(
      (q) =>
        (window as never as { harness: { emit(e: string, p: unknown): void } }).harness.emit('transfer.conflict', q),
      { ...question, questionId: 'q3' },
    );
    await page.getByRole('dialog').waitFor();
    await page.evaluate(`window.harness.emit('transfer.conflictGone', { questionId: 'q3' })`);
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const answers = await page.evaluate<Array<[string, unknown[]]>>(
      'window.harness.calls.filter((c) => c[0] === "transfers.answerConflict").map((c) => c[1][0])',
    );
    expect(answers).toEqual(['q1', 'q2']);
    const q2 = await page.evaluate('window.harness.calls.find((c) => c[1][0] === "q2")[1][1]');
    expect(q2).toEqual({ choice: 'skip', applyToAll: false });
  });
});

// The notes' screenshots: a queue as a person has it (not the 10,000-item
// stress list above), a folder copying and expanded, and the conflict dialog,
// in English and in Chinese (the whole page in that language).
describe('screenshots', () => {
  const queue = [
    item(1, { name: 'backup-2026-11.tar.zst', state: 'queued', bytesTotal: 2_400_000_000 }),
    item(2, { name: 'notes.md', state: 'done', bytesDone: 1_000_000 }),
    item(3, {
      name: 'core.dump',
      state: 'failed',
      bytesDone: 312_000,
      error: { code: 'SFTP_PERMISSION_DENIED', message: 'The server refused: your account may not do that here.' },
    }),
    project({ bytesDone: 11_200_000, filesDone: 1231, filesSkipped: 3, eta: 8, createdAt: 5000 }),
  ];

  for (const lang of ['en', 'zh-CN'] as const) {
    it(`a folder copying and the conflict dialog (${lang})`, async () => {
      const p = await openHarness(lang);
      try {
        for (const it of queue) await emitOn(p, 'transfer.changed', it);
        const expand = p.locator('.transfer-row[data-id=t0] button[data-action=expand]');
        await expand.click();
        await p.locator('.transfer-child').first().waitFor();
        await p.mouse.move(0, 0);
        const suffix = lang === 'en' ? '' : `-${lang}`;
        await saveShot(p, `sftp-folder-transfer${suffix}`);
        const names = lang === 'en' ? ['src/module-7/index.ts', 'index.ts'] : ['项目/源代码/索引.ts', '索引.ts'];
        await emitOn(p, 'transfer.conflict', {
          questionId: `shot-${lang}`,
          transferId: 't0',
          relative: names[0],
          name: names[1],
          existing: { size: 8192, mtimeMs: Date.UTC(2025, 0, 2, 9, 30) },
          incoming: { size: 9000, mtimeMs: Date.UTC(2026, 5, 1, 14, 5) },
          remaining: 41,
        });
        const dialog = p.getByRole('dialog');
        await dialog.waitFor();
        if (lang === 'zh-CN') {
          // Nothing left in English but the file names and units.
          const text = (await p.locator('body').innerText()).replace(
            /src\/module-\d+\/index\.ts|[KMG]iB|project|backup-2026-11\.tar\.zst|notes\.md|core\.dump|index\.ts/g,
            '',
          );
          expect(text).not.toMatch(/[A-Za-z]{3,}/);
        }
        await saveShot(p, `sftp-conflict-dialog${suffix}`);
        await p.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
      } finally {
        await p.close();
      }
    });
  }
});
