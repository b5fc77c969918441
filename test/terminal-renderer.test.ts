// Which renderer a terminal tab draws with (renderer/src/terminal/gl-renderer.ts):
// the software-GL check against the renderer strings real browsers report, and
// in a real Chromium, serve mode, real sshd: the Automatic choice for this
// browser's WebGL, the "Terminal drawing" setting as a person changes it by
// keyboard (it applies to the next tab, and is kept), and the setting's row
// naming the WebGL renderer, axe clean in both themes.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chooseRenderer, isSoftwareGl } from '../renderer/src/terminal/gl-renderer.js';
import { expectAxeCleanInThemes, sharedAppPage } from './support/app-rig.js';
import { connectHost, answerPassword, openSshTab, webglName } from './support/app-page.js';
import { closeActiveTab } from './support/session-tabs.js';
import { saveShot } from './support/shots.js';
import type { Sshd } from './support/sshd.js';

describe('isSoftwareGl', () => {
  it('knows the software rasterisers by the names browsers report for them', () => {
    for (const name of [
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'Google SwiftShader',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'ANGLE (Mesa, llvmpipe (LLVM 19.1.7 256 bits), OpenGL 4.5)',
      'softpipe',
      'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'lavapipe',
    ])
      expect(isSoftwareGl(name), name).toBe(true);
  });

  it('takes GPUs, and masked or empty names, for hardware', () => {
    for (const name of [
      'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)',
      'ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)',
      'AMD Radeon RX 6800 XT',
      'WebKit WebGL',
      '',
    ])
      expect(isSoftwareGl(name), name).toBe(false);
  });

  it('a setting that names a renderer is taken as it is', () => {
    expect(chooseRenderer('dom')).toBe('dom');
    expect(chooseRenderer('webgl')).toBe('webgl');
  });
});

let sshd: Sshd;
let page: Page;

sharedAppPage(
  (rig) => {
    ({ sshd, page } = rig);
  },
  { width: 1280, height: 900 },
);

/** The renderer of the visible terminal: WebGL draws on a canvas, the DOM renderer into rows of spans. */
function visibleRenderer(): Promise<string> {
  return page.evaluate(() => {
    const panel = document.querySelector('[role=tabpanel]:not([hidden])');
    const rows = panel?.querySelector('.xterm-rows');
    return rows && rows.children.length > 0 ? 'dom' : panel?.querySelector('.xterm canvas') ? 'webgl' : 'none';
  });
}

/**
 * With the DOM renderer, the focused terminal's cursor blinks by a class
 * switched on a timer, and no CSS animation runs (xterm.js's own blink is
 * one, run by the page every frame, which slowed every keystroke's echo).
 */
async function expectBlinkByClass(): Promise<void> {
  if ((await visibleRenderer()) !== 'dom') return;
  await page.locator('[role=tabpanel]:not([hidden]) .xterm textarea').focus();
  const cursorOff = (): Promise<boolean> =>
    page.evaluate(() => !!document.querySelector('[role=tabpanel]:not([hidden]) .xterm.hd-cursor-off'));
  await expect.poll(cursorOff, { timeout: 5000 }).toBe(true);
  await expect.poll(cursorOff, { timeout: 5000 }).toBe(false);
  expect(await page.evaluate(() => document.getAnimations().length)).toBe(0);
}

describe('terminal drawing in the page (serve mode)', () => {
  it('Automatic draws with WebGL only on a GPU; the setting, changed by keyboard, applies to the next tab', async () => {
    const gl = await webglName(page);
    const automatic = gl === null || isSoftwareGl(gl) ? 'dom' : 'webgl';
    await openSshTab(page, sshd);
    expect(await visibleRenderer()).toBe(automatic);
    await expectBlinkByClass();
    await closeActiveTab(page, 'rig');

    await page.getByRole('button', { name: 'Open settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const drawing = dialog.getByLabel('Terminal drawing');
    expect(await drawing.inputValue()).toBe('auto');
    const row = dialog.locator('.form-row').filter({ has: page.getByLabel('Terminal drawing') });
    expect(await row.innerText()).toContain(gl === null ? 'WebGL is not available here.' : `WebGL here: ${gl}.`);
    await expectAxeCleanInThemes(page, 'the settings dialog with the terminal drawing row');
    await saveShot(row, 'settings-terminal-drawing');
    // By keyboard: focus the select, pick the other renderer with the arrow keys.
    const other = automatic === 'dom' ? 'webgl' : 'dom';
    await drawing.focus();
    // The options: Automatic, GPU (WebGL), Plain (no WebGL).
    await page.keyboard.press('ArrowDown');
    if (other === 'dom') await page.keyboard.press('ArrowDown');
    await expect.poll(() => drawing.inputValue()).toBe(other);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // The next tab draws with it (WebGL may be refused by a browser without it: then DOM, as before).
    await connectHost(page, 'rig');
    await answerPassword(page, sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor({ timeout: 30_000 });
    expect(await visibleRenderer()).toBe(other === 'webgl' && gl === null ? 'dom' : other);
    await expectBlinkByClass();
    await closeActiveTab(page, 'rig');

    // Kept: the page opened again reads it back.
    await page.reload();
    await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Open settings' }).click();
    expect(await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Terminal drawing').inputValue()).toBe(
      other,
    );
    await page.keyboard.press('Escape');
  });
});
