// Renders the app icon's PNGs from build/icon.svg with the headless Chromium
// already on the machine (Debian's /usr/bin/chromium via playwright-core;
// nothing is downloaded). Run after editing the SVG, and commit the PNGs:
//
//   npx tsx build/render-icons.ts
//
// electron-builder reads build/icon.png (macOS .icns and Windows .ico are made
// from it; it wants at least 512 px) and build/icons/NxN.png for Linux, where
// each file is one size of the freedesktop icon theme.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dirname;
const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const MAIN_SIZE = 1024;

const svg = readFileSync(join(here, 'icon.svg'));
const dataUrl = `data:image/svg+xml;base64,${svg.toString('base64')}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  // Without the networking flags Chromium keeps trying to reach the internet.
  args: [
    '--no-sandbox',
    '--headless',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
  timeout: 30_000,
});
try {
  const render = async (size: number, file: string): Promise<void> => {
    const context = await browser.newContext({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    // Chromium rasterises the vector at the target size (no downscaled bitmap),
    // so the 16 px icon gets its own anti-aliasing.
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:transparent"><img id="i" src="${dataUrl}" width="${size}" height="${size}" style="display:block"></body></html>`,
    );
    // A string, not a function: this file is type-checked without DOM types.
    await page.waitForFunction(
      'document.getElementById("i").complete && document.getElementById("i").naturalWidth > 0',
    );
    writeFileSync(
      file,
      await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } }),
    );
    await context.close();
    console.log(`${file} (${size}x${size})`);
  };
  await render(MAIN_SIZE, join(here, 'icon.png'));
  mkdirSync(join(here, 'icons'), { recursive: true });
  for (const size of LINUX_SIZES) await render(size, join(here, 'icons', `${size}x${size}.png`));
} finally {
  await browser.close();
}
