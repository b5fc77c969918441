// The app as a person uses it: serve mode in a real Chromium, a real sshd, a
// fresh data folder. Add a host through the form, connect, trust the key,
// log in, type and see the output, resize, two tabs, close one (the server
// sees the connection end), a wrong password asked again, a changed host key
// refused, the book kept across a restart, an ssh_config import.
// Screenshots go to test-artifacts/ to be looked at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startChromium } from './support/chromium.js';
import { disconnectsSince, startSshd, type Sshd } from './support/sshd.js';
import { makeHome, startServe, type ServeProcess } from './support/serve.js';
import { saveShot } from './support/shots.js';
import {
  addHost as pageAddHost,
  answerPassword as pageAnswerPassword,
  connectHost,
  openAppPage,
  passwordHost,
  screenColours,
  terminalSelection,
  terminalText as pageTerminalText,
  typeInTerminal as pageTypeInTerminal,
  type HostFields,
} from './support/app-page.js';

let browser: Browser;
let sshd: Sshd;
let serve: ServeProcess;
let page: Page;
const home = makeHome();

const shot = (name: string): Promise<void> => saveShot(page, name);

const terminalText = (): Promise<string> => pageTerminalText(page);
const typeInTerminal = (text: string): Promise<void> => pageTypeInTerminal(page, text);

async function openApp(s: ServeProcess): Promise<void> {
  page = await openAppPage(browser, s.url, { width: 1200, height: 760 });
}

const addHost = (fields: HostFields): Promise<void> => pageAddHost(page, fields);

/** Visible controls without an accessible name (label, aria-label(ledby), title, text). */
function unnamedControls(): Promise<string[]> {
  return page.evaluate(() => {
    const named = (e: Element): boolean => {
      const aria = e.getAttribute('aria-label') ?? '';
      const by = (e.getAttribute('aria-labelledby') ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join('');
      const labels =
        'labels' in e ? [...((e as HTMLInputElement).labels ?? [])].map((l) => l.textContent ?? '').join('') : '';
      const text = e.tagName === 'BUTTON' || e.tagName === 'SUMMARY' ? (e.textContent ?? '') : '';
      return [aria, by, labels, text, e.getAttribute('title') ?? ''].some((x) => x.trim() !== '');
    };
    return [...document.querySelectorAll('button, input, select, textarea, summary, [role=treeitem], [role=tab]')]
      .filter(
        (e) =>
          (e as HTMLElement).offsetParent !== null && !(e as HTMLElement).classList.contains('xterm-helper-textarea'),
      )
      .filter((e) => !named(e) && !(e.getAttribute('role') && (e.textContent ?? '').trim()))
      .map((e) => e.outerHTML.slice(0, 120));
  });
}

const connect = (name: string): Promise<void> => connectHost(page, name);
const answerPassword = (password: string): Promise<void> => pageAnswerPassword(page, password);

beforeAll(async () => {
  sshd = await startSshd();
  serve = await startServe({ home });
  browser = await startChromium();
  await openApp(serve);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await sshd?.stop();
});

describe('serve mode end to end', () => {
  it('prints exactly one line: the URL to open', () => {
    expect(serve.stdout().trim().split('\n')).toHaveLength(1);
  });

  it('adds a host through the form, with field errors as you type', async () => {
    await page.getByRole('button', { name: 'Add host' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add host' });
    await dialog.getByLabel('Port').fill('70000');
    await expect.poll(() => dialog.getByLabel('Port').getAttribute('aria-invalid')).not.toBeNull();
    await shot('editor-invalid-port');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await addHost(passwordHost(sshd));
    await shot('book-one-host');
  });

  it('connects: trust the host key, log in, type a command, see its output', async () => {
    await connect('rig');
    const keyDialog = page.getByRole('dialog', { name: 'Unknown host key' });
    await keyDialog.waitFor();
    await expect(keyDialog.textContent()).resolves.toContain(sshd.hostKeyFingerprint());
    await shot('host-key-prompt');
    await keyDialog.getByRole('button', { name: 'Trust and connect' }).click();
    await answerPassword(sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor();
    await typeInTerminal('echo hello-$((6*7))');
    await expect.poll(terminalText, { timeout: 20_000 }).toContain('hello-42');
    await shot('terminal-connected');
  });

  it('a paste cannot run anything: the end-of-paste marker is removed on every paste path, and several lines ask first', async () => {
    const marker = join(tmpdir(), `hostdeck-paste-${process.pid}-${Date.now()}`);
    const breakout = `echo a\x1b[201~; touch ${marker}; echo out\r`;
    const textarea = page.locator('[role=tabpanel]:not([hidden]) .xterm-helper-textarea');
    // The shell asked for bracketed paste (bash 5.1+ does by default).
    await typeInTerminal("bind -v | grep -c 'enable-bracketed-paste on'");
    // The count, then the next prompt: readline turns bracketed paste on as it
    // prints the prompt, so a paste before the prompt would not be bracketed.
    const afterPrompt = (line: string): RegExp => new RegExp(`^${line}\\n[^\\n]*\\$ ?$`, 'm');
    await expect.poll(terminalText, { timeout: 20_000 }).toMatch(afterPrompt('1'));
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const viaClipboard = (keys: string) => async (): Promise<void> => {
      await page.evaluate((text) => navigator.clipboard.writeText(text), breakout);
      await textarea.focus();
      await page.keyboard.press(keys);
    };
    const paths: Array<[string, () => Promise<void>]> = [
      ['Ctrl+Shift+V', viaClipboard('Control+Shift+V')],
      ['Shift+Insert', viaClipboard('Shift+Insert')],
      [
        'a paste event (context menu, the desktop menu)',
        () =>
          textarea.evaluate((t, text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            t.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
          }, breakout),
      ],
      [
        'a dropped text',
        () =>
          textarea.evaluate((t, text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            t.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
          }, breakout),
      ],
    ];
    let n = 0;
    for (const [name, paste] of paths) {
      await paste();
      const ask = page.getByRole('alertdialog', { name: 'Paste several lines?' });
      await ask.waitFor({ timeout: 10_000 }).catch(() => {
        throw new Error(`${name}: no confirmation`);
      });
      if (n === 0) await shot('paste-confirm');
      await ask.getByRole('button', { name: 'Paste' }).click();
      await expect.poll(terminalText, { timeout: 10_000 }).toContain(`echo a[201~; touch ${marker}`);
      // Abandon the pasted line; had the bracket broken, touch would already have run.
      await textarea.focus();
      await page.keyboard.press('Control+C');
      await typeInTerminal(`echo path-done-${++n}`);
      await expect.poll(terminalText, { timeout: 10_000 }).toMatch(afterPrompt(`path-done-${n}`));
      expect(existsSync(marker), name).toBe(false);
    }
    // Cancel sends nothing at all.
    await paths[2]?.[1]();
    const ask = page.getByRole('alertdialog', { name: 'Paste several lines?' });
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await typeInTerminal('echo after-cancel');
    await expect.poll(terminalText, { timeout: 10_000 }).toMatch(/^after-cancel$/m);
    expect((await terminalText()).split(`touch ${marker}`).length - 1).toBe(paths.length);
  });

  it('finds text in the terminal (Ctrl+Shift+F)', async () => {
    await page.keyboard.press('Control+Shift+F');
    const find = page.getByRole('searchbox', { name: 'Find in terminal' });
    await find.fill('hello-42');
    await expect.poll(() => terminalSelection(page)).toBe('hello-42');
    const search = page.getByRole('search');
    await search.getByText('1 of 1').waitFor();
    await shot('terminal-search');
    await find.fill('zzz-not-on-screen');
    await search.getByText('No results').waitFor();
    await find.press('Escape');
    await expect.poll(() => find.isVisible()).toBe(false);
  });

  it('the terminal has no dark strip below its last row, in either theme, at any window size', async () => {
    const themes: Array<[string, string]> = [
      ['light', '#ffffff'],
      ['dark', '#17181c'],
    ];
    for (const [theme, background] of themes) {
      await page.getByRole('button', { name: 'Open settings' }).click();
      await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Theme').selectOption(theme);
      await page.keyboard.press('Escape');
      for (const [width, height] of [
        [1200, 760],
        [1013, 617],
        [877, 533],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.waitForTimeout(300);
        const panel = await page.locator('[role=tabpanel]:not([hidden]) .session-ssh').boundingBox();
        const rows = await page.locator('[role=tabpanel]:not([hidden]) .xterm-screen').boundingBox();
        if (!panel || !rows) throw new Error('no terminal on screen');
        // Below the last full row, down to the panel's edge: the terminal's background only.
        const top = Math.ceil(rows.y + rows.height) + 1;
        const bottom = Math.floor(panel.y + panel.height) - 1;
        if (bottom - top < 1) continue;
        const colours = await screenColours(page, {
          x: Math.ceil(panel.x) + 8,
          y: top,
          width: Math.floor(panel.width) - 40,
          height: bottom - top,
        });
        expect(colours, `${theme} ${width}x${height}`).toEqual([background]);
      }
    }
    await page.getByRole('button', { name: 'Open settings' }).click();
    await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Theme').selectOption('system');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1200, height: 760 });
  });

  it('follows the window size (stty size)', async () => {
    await typeInTerminal('stty size');
    await expect.poll(terminalText, { timeout: 20_000 }).toMatch(/^\d+ \d+$/m);
    const before = (await terminalText()).match(/^(\d+) (\d+)$/m)?.[0];
    await page.setViewportSize({ width: 900, height: 560 });
    await typeInTerminal('clear; stty size');
    await expect
      .poll(async () => (await terminalText()).match(/^(\d+) (\d+)$/m)?.[0], { timeout: 20_000 })
      .not.toBe(before);
    await page.setViewportSize({ width: 1200, height: 760 });
  });

  it('opens a second tab on the shared connection; closing a tab ends its session on the server', async () => {
    await connect('rig');
    await expect.poll(() => page.locator('[role=tab]').count()).toBe(2);
    await page.locator('[role=tab][data-status=connected] >> nth=1').waitFor();
    await typeInTerminal('echo second-$((2*21))');
    await expect.poll(terminalText, { timeout: 20_000 }).toContain('second-42');
    await shot('two-tabs');
    // Only the selected tab's session is on screen (and takes clicks); switching shows the other.
    const visible = (): Promise<number> =>
      page
        .locator('[role=tabpanel]')
        .evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).length);
    expect(await visible()).toBe(1);
    await page.getByRole('tab').first().click();
    expect(await visible()).toBe(1);
    await expect.poll(terminalText).not.toContain('second-42');
    await page.getByRole('tab').nth(1).click();
    const tabs = page.getByRole('tab');
    // Count from here: earlier tests' connections ended too.
    const mark = sshd.log().length;
    for (let i = await tabs.count(); i > 0; i--)
      await page
        .getByRole('button', { name: /^Close rig/ })
        .first()
        .click();
    await expect.poll(() => page.getByRole('tab').count()).toBe(0);
    // The pooled connection closes with its last tab: exactly one disconnect.
    await expect.poll(() => disconnectsSince(sshd, mark), { timeout: 20_000 }).toBe(1);
  });

  it('asks again, with a clear note, after a wrong password', async () => {
    await connect('rig');
    await answerPassword('not-the-password');
    const again = page.getByRole('dialog', { name: /Password for/ });
    await again.getByText(/did not work/).waitFor();
    await shot('wrong-password-again');
    await answerPassword(sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor();
    await page.getByRole('button', { name: /^Close rig/ }).click();
  });

  it('sets a master password in settings, saves the password in the editor, then connects without asking', async () => {
    await page.getByRole('button', { name: 'Open settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByLabel('New master password').fill('master-pass-123');
    await settings.getByLabel('Type it again').fill('master-pass-12');
    await settings.getByRole('button', { name: 'Set master password' }).click();
    await settings.getByText('The two passwords differ').waitFor();
    await settings.getByLabel('Type it again').fill('master-pass-123');
    await settings.getByRole('button', { name: 'Set master password' }).click();
    await settings.getByText('Unlocked.').waitFor();
    await shot('settings-master-password');
    await settings.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('treeitem', { name: 'rig' }).click();
    await page.getByRole('toolbar', { name: 'Actions for rig' }).getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('dialog', { name: 'Edit rig' });
    await editor.getByLabel('Password', { exact: true }).fill(sshd.password);
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });
    // The page learns only that a password is saved, never the password.
    const book = await page.evaluate(() => document.body.innerText);
    expect(book).not.toContain(sshd.password);
    await connect('rig');
    await page.locator('[role=tab][data-status=connected]').waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.getByRole('button', { name: /^Close rig/ }).click();
  });

  it('quick-connects to user@host:port and offers to save it', async () => {
    // 'localhost', not 127.0.0.1: not in the book (so saving is offered) and a new name for the host key.
    await page.getByRole('textbox', { name: 'Quick connect' }).fill(`${sshd.passwordUser}@localhost:${sshd.port}`);
    await page.getByRole('search', { name: 'Quick connect' }).getByRole('button', { name: 'Connect' }).click();
    await page
      .getByRole('dialog', { name: 'Unknown host key' })
      .getByRole('button', { name: 'Trust and connect' })
      .click();
    await answerPassword(sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor();
    await page.getByRole('button', { name: `Save ${sshd.passwordUser}@localhost to the address book` }).waitFor();
    await shot('quick-connect');
    await page.getByRole('button', { name: `Close ${sshd.passwordUser}@localhost` }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Quick connect' }).inputValue()).toBe('');
  });

  it('quick-connects to a bare host:port by asking who to log in as', async () => {
    await page.getByRole('textbox', { name: 'Quick connect' }).fill(`127.0.0.1:${sshd.port}`);
    await page.getByRole('search', { name: 'Quick connect' }).getByRole('button', { name: 'Connect' }).click();
    const who = page.getByRole('dialog', { name: '127.0.0.1 asks' });
    await who.getByRole('textbox', { name: 'User name:' }).fill(sshd.passwordUser);
    await who.getByRole('button', { name: 'OK' }).click();
    await answerPassword(sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor();
    const mark = sshd.log().length;
    await page.getByRole('button', { name: /^Close 127\.0\.0\.1/ }).click();
    await expect.poll(() => page.getByRole('tab').count()).toBe(0);
    // The pool keeps a connection while a shell on it is closing; the next test
    // must log in afresh (a pooled connection would rightly skip the password).
    await expect.poll(() => disconnectsSince(sshd, mark), { timeout: 20_000 }).toBe(1);
  });

  it('does not offer to save a quick connection that is already in the book', async () => {
    await page.getByRole('textbox', { name: 'Quick connect' }).fill(`${sshd.passwordUser}@127.0.0.1:${sshd.port}`);
    await page.getByRole('search', { name: 'Quick connect' }).getByRole('button', { name: 'Connect' }).click();
    await answerPassword(sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor();
    expect(
      await page.getByRole('button', { name: `Save ${sshd.passwordUser}@127.0.0.1 to the address book` }).count(),
    ).toBe(0);
    await page.getByRole('button', { name: `Close ${sshd.passwordUser}@127.0.0.1` }).click();
  });

  it('gives every visible control an accessible name (main screen, editor, a terminal tab)', async () => {
    expect(await unnamedControls()).toEqual([]);
    // The address book can be made wider from the keyboard.
    const width = (): Promise<number> => page.locator('nav').evaluate((n) => n.getBoundingClientRect().width);
    const before = await width();
    await page.getByRole('separator', { name: 'Resize the address book' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await width()).toBe(before + 40);
    await page.getByRole('button', { name: 'Add host' }).click();
    expect(await unnamedControls()).toEqual([]);
    await page.getByRole('dialog', { name: 'Add host' }).getByRole('button', { name: 'Cancel' }).click();
    await connect('rig');
    await page.locator('[role=tab][data-status=connected]').waitFor();
    expect(await unnamedControls()).toEqual([]);
    // The terminal takes Tab for the shell; F6 still gets the keyboard out of it.
    await page.locator('[role=tabpanel]:not([hidden]) .xterm-helper-textarea').focus();
    const inTerminal = (): Promise<boolean> => page.evaluate(() => document.activeElement?.closest('.xterm') !== null);
    expect(await inTerminal()).toBe(true);
    await page.keyboard.press('F6');
    expect(await inTerminal()).toBe(false);
    await page.keyboard.press('Shift+F6');
    expect(await inTerminal()).toBe(true);
    await page.getByRole('button', { name: /^Close rig/ }).click();
  });

  it('refuses a changed host key and says what to do', async () => {
    await sshd.restartWithNewHostKey();
    const logBefore = sshd.log().length;
    await connect('rig');
    const refusal = page.getByRole('alertdialog', { name: 'The host key has changed' });
    await refusal.waitFor();
    const text = (await refusal.textContent()) ?? '';
    expect(text).toContain(sshd.hostKeyFingerprint());
    expect(text).toContain('known_hosts');
    await shot('host-key-changed');
    await refusal.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.locator('[role=tab][data-status=disconnected]').count()).toBe(1);
    // Refused before any authentication byte: the server saw no attempt at all.
    expect(sshd.log().slice(logBefore)).not.toMatch(/Failed|Accepted|Postponed|Invalid user/);
    await page.getByRole('button', { name: /^Close rig/ }).click();
  });

  it('imports an ssh_config through a preview', async () => {
    writeFileSync(
      join(home, '.ssh', 'config'),
      'Host web-eu\n  HostName 192.0.2.20\n  User deploy\n  Port 2200\n\nHost *.corp\n  User x\n',
    );
    await page.getByRole('button', { name: 'Import' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import hosts' });
    await dialog.getByRole('button', { name: 'Preview' }).click();
    await dialog.getByRole('cell', { name: 'web-eu' }).waitFor();
    await shot('import-preview');
    await dialog.getByRole('button', { name: 'Import (1)' }).click();
    await page.getByRole('treeitem', { name: 'web-eu' }).waitFor();
  });

  it('switches to Simplified Chinese from settings', async () => {
    await page.getByRole('button', { name: 'Open settings' }).click();
    await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('button', { name: '添加主机' }).waitFor();
    await shot('zh-CN');
    await page.getByRole('button', { name: '打开设置' }).click();
    await page.getByRole('dialog', { name: '设置' }).getByLabel('语言').selectOption('en');
    await page.getByRole('button', { name: 'Add host' }).waitFor();
  });

  it('keeps the address book across a restart', async () => {
    await page.close();
    await serve.stop();
    serve = await startServe({ dataDir: serve.dataDir, home });
    await openApp(serve);
    await page.getByRole('treeitem', { name: 'rig' }).waitFor();
    await page.getByRole('treeitem', { name: 'web-eu' }).waitFor();
    await shot('book-after-restart');
  });
});
