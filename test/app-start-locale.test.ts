// What the first screen loads, and in which language, in serve mode in a real
// Chromium. The Simplified Chinese messages and the settings dialog are
// chunks of their own (renderer/src/i18n/i18n.ts, renderer/src/app-boot.ts):
// an English page fetches neither until asked, and a page whose browser
// speaks Chinese starts in Chinese with no frame in English before it (the
// entry fetches the catalog beside the app; nothing is drawn before it is in).
// Without the per-launch token the page says what to do, and the token leaves
// the address bar once the socket is on its way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startChromium } from './support/chromium.js';
import { startServe, type ServeProcess } from './support/serve.js';
import { axeViolations, describeFindings } from './support/app-page.js';

/** Runs in the page before its scripts: every text #app shows and every title, in order, in window.__frames. */
const RECORD_FRAMES = `
window.__frames = [];
const note = () => {
  const app = document.getElementById('app');
  const text = (app ? app.innerText || app.textContent || '' : '') + ' | ' + document.title;
  if (window.__frames[window.__frames.length - 1] !== text) window.__frames.push(text);
};
new MutationObserver(note).observe(document, { subtree: true, childList: true, characterData: true });
`;

let browser: Browser;
let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe();
  browser = await startChromium();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

/** A fresh context in `locale` (navigator.languages), the page opened, with the scripts it fetched. */
async function open(locale: string): Promise<{ context: BrowserContext; page: Page; scripts: string[] }> {
  const context = await browser.newContext({ locale, viewport: { width: 1200, height: 760 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err.message));
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.js')) scripts.push(new URL(r.url()).pathname);
  });
  await page.addInitScript(RECORD_FRAMES);
  await page.goto(serve.url);
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
  return { context, page, scripts };
}

const zhChunk = (s: string): boolean => /\/zh-CN-[\w-]+\.js$/.test(s);
const settingsChunk = (s: string): boolean => /\/settings-dialog-[\w-]+\.js$/.test(s);

describe('the first screen', () => {
  it('in English fetches neither the Chinese messages nor the settings dialog; the dialog comes when opened', async () => {
    const { context, page, scripts } = await open('en-US');
    try {
      await page.getByRole('button', { name: 'Add host' }).waitFor();
      expect(scripts.filter(zhChunk)).toEqual([]);
      expect(scripts.filter(settingsChunk)).toEqual([]);
      await page.getByRole('button', { name: 'Open settings' }).click();
      await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Language').waitFor();
      expect(scripts.filter(settingsChunk)).toHaveLength(1);
      expect(scripts.filter(zhChunk)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('in a browser that speaks Chinese starts in Chinese, with no frame in English first', async () => {
    const { context, page, scripts } = await open('zh-CN');
    try {
      await page.getByRole('button', { name: '添加主机' }).waitFor();
      expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
      expect(scripts.filter(zhChunk)).toHaveLength(1);
      const frames = (await page.evaluate('window.__frames')) as string[];
      expect(frames.length).toBeGreaterThan(0);
      for (const f of frames) expect(f).not.toMatch(/Starting Hostdeck|Add host|Address book|Search hosts|Settings/);
      const found = describeFindings(await axeViolations(page));
      expect(found, found.join('\n')).toEqual([]);
      await page.getByRole('button', { name: '打开设置' }).click();
      await page.getByRole('dialog', { name: '设置' }).getByLabel('语言').waitFor();
    } finally {
      await context.close();
    }
  });

  it('with Chinese chosen in settings starts in Chinese in an English browser', async () => {
    const { context, page } = await open('en-US');
    try {
      await page.getByRole('button', { name: 'Open settings' }).click();
      // No session is open: choosing a language reloads the page in it.
      await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Language').selectOption('zh-CN');
      await page.getByRole('button', { name: '添加主机' }).waitFor();
      await page.locator('body[data-ready=true]').waitFor();
      const frames = (await page.evaluate('window.__frames')) as string[];
      for (const f of frames) expect(f).not.toMatch(/Starting Hostdeck|Add host/);
    } finally {
      await context.close();
    }
  });

  it('without the token says to open the full address, and starts once it is pasted; the token leaves the address bar', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
    try {
      const page = await context.newPage();
      await page.goto(serve.origin + '/');
      await page
        .getByRole('alert')
        .getByText(/full address/)
        .waitFor();
      await page.goto(serve.url);
      await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
      expect(page.url()).not.toContain('token');
      await page.reload();
      await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Add host' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
