// What the built bundles load before anyone asks for SSH, VNC TLS or a
// WebSocket. ssh2 (tens of milliseconds of module loading) is loaded by
// main/ssh/ssh2-module.ts on the first SSH connection or key parse, node:tls by
// main/vnc/vnc-tls.ts on the first VeNCrypt TLS use, and ws by
// main/gateway/ws-module.ts on the desktop gateway's first WebSocket upgrade
// (serve mode's API server loads it at start: the page's first request needs
// it). A static import of any of them would be hoisted to the
// top of the bundle by esbuild (serve) or Rollup (desktop), so this checks the
// artifacts people run: `npm run serve`'s out/serve/cli.mjs and, through the
// Electron stand-in, `npm run build`'s out/main/index.js. Each runs with a small
// --import preload that writes the loaded CommonJS files to a file when it
// gets SIGWINCH (the stand-in already uses SIGUSR2 for sleep and wake).
//
// ws's lib/websocket.js requires 'tls' and 'https' at its top: the desktop
// app, whose page reaches the API over IPC, no longer loads them for ws
// before its first session's socket reaches the gateway.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { nativeStatus } from '../main/api/native.js';
import { connectHost, openAppPage } from './support/app-page.js';
import { startChromium } from './support/chromium.js';
import { ensureDesktopBuilt, launchDesktop, type DesktopApp } from './support/electron-standin/launch.js';
import { makeTempDir, startTracked, type Tracked } from './support/processes.js';
import { addKeyHost } from './support/reconnect-page.js';
import { ensureServeBuilt, homeWithKey, printedUrl } from './support/serve.js';
import { startSshd, type Sshd } from './support/sshd.js';

const root = join(import.meta.dirname, '..');
const SERVE_BUNDLE = join(root, 'out', 'serve', 'cli.mjs');
const DESKTOP_BUNDLE = join(root, 'out', 'main', 'index.js');

/** The preload: on SIGWINCH, writes {files} (require.cache's keys) to $HOSTDECK_MODULE_DUMP (whole, by rename). */
const PRELOAD = `
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
process.on('SIGWINCH', () => {
  const file = process.env.HOSTDECK_MODULE_DUMP;
  writeFileSync(file + '.part', JSON.stringify({ files: Object.keys(cache) }));
  renameSync(file + '.part', file);
});
`;

interface Loaded {
  /** Every CommonJS file loaded so far, by real path (ESM imports of CommonJS packages land here too). */
  files: string[];
}

/** A process started with the preload, and the file its answer goes to. */
interface Watched {
  pid(): number;
  dumpFile: string;
}

function preloadArgs(dir: string): { preload: string; dumpFile: string } {
  const preload = join(dir, 'module-dump.mjs');
  writeFileSync(preload, PRELOAD);
  return { preload, dumpFile: join(dir, 'loaded.json') };
}

/** What `proc` has loaded, asked now. */
async function loaded(proc: Watched): Promise<Loaded> {
  rmSync(proc.dumpFile, { force: true });
  process.kill(proc.pid(), 'SIGWINCH');
  await expect.poll(() => existsSync(proc.dumpFile), { timeout: 10_000 }).toBe(true);
  return JSON.parse(readFileSync(proc.dumpFile, 'utf8')) as Loaded;
}

/** ssh2's own JavaScript (its native binding alone may load early: main/api/native.ts). */
const ssh2Files = (l: Loaded): string[] =>
  l.files.filter((f) => /[\\/]node_modules[\\/]ssh2[\\/]lib[\\/].*\.js$/.test(f));

/** ws's own JavaScript. */
const wsFiles = (l: Loaded): string[] => l.files.filter((f) => /[\\/]node_modules[\\/]ws[\\/]lib[\\/].*\.js$/.test(f));

/** ssh2's Client (the path is the real one: node_modules may be a link). */
const isSsh2Client = (f: string): boolean => /[\\/]ssh2[\\/]lib[\\/]client\.js$/.test(f);

/** The top-level imports of a built ESM bundle (`import ... from "x"` and `import "x"`), by specifier. */
function topImports(bundle: string): string[] {
  const text = readFileSync(bundle, 'utf8');
  return [...text.matchAll(/^import\s(?:[^'"]*?\sfrom\s)?["']([^"']+)["'];?$/gm)].map((m) => m[1] as string);
}

let sshd: Sshd;
let browser: Browser;
let home: string;
let keyPath: string;

beforeAll(async () => {
  ensureServeBuilt();
  sshd = await startSshd();
  browser = await startChromium();
  ({ home, keyPath } = homeWithKey(sshd.clientKeyPath));
});

afterAll(async () => {
  await browser?.close();
  await sshd?.stop();
});

/** Adds the key host, double-clicks it, trusts the new host key, and waits for the tab to say connected. */
async function openSsh(page: Page): Promise<void> {
  await addKeyHost(page, { name: 'rig', port: sshd.port, user: sshd.keyUser, keyPath });
  await connectHost(page, 'rig');
  await page
    .getByRole('dialog', { name: 'Unknown host key' })
    .getByRole('button', { name: 'Trust and connect' })
    .click();
  await page.locator('[role=tab][data-status=connected]').waitFor({ timeout: 30_000 });
}

/** Top-level imports of ssh2, ws or node:tls (the bundles' other externals, node: built-ins or electron, are listed too). */
const eagerOnes = (imports: string[]): string[] =>
  imports.filter((s) => /^(?:node:)?tls$|^(?:ssh2|ws)(?:\/|$)/.test(s));

describe('the bundles import neither ssh2, ws nor node:tls at top', () => {
  it('out/serve/cli.mjs', () => {
    const imports = topImports(SERVE_BUNDLE);
    expect(imports).toContain('node:fs');
    expect(imports).not.toContain('conf'); // loaded on the first write (main/store/engine.ts)
    expect(eagerOnes(imports)).toEqual([]);
  });

  it('out/main/index.js', () => {
    ensureDesktopBuilt();
    const imports = topImports(DESKTOP_BUNDLE);
    expect(imports).toContain('electron');
    expect(eagerOnes(imports)).toEqual([]);
  });
});

describe('node:tls is loaded by VeNCrypt code only when asked', () => {
  it('importing the VNC modules does not load it; the anonymous-suite probe does', () => {
    // A fresh process: this worker has loaded tls already (ws, playwright).
    const script = [
      "const before = process.moduleLoadList.includes('NativeModule tls');",
      "const vnc = await import('./main/vnc/index.ts');",
      "const imported = process.moduleLoadList.includes('NativeModule tls');",
      'const anonymous = vnc.anonymousTlsAvailable();',
      "const probed = process.moduleLoadList.includes('NativeModule tls');",
      'console.log(JSON.stringify({ before, imported, anonymous, probed }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ before: false, imported: false, anonymous: true, probed: true });
  });
});

describe('the native status does not load ssh2', () => {
  it("reports exactly what ssh2's own crypto module decides", () => {
    const status = nativeStatus();
    const crypto = createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as { bindingAvailable: boolean };
    expect(status.sshCrypto).toBe(crypto.bindingAvailable);
  });
});

describe('serve (out/serve/cli.mjs): ssh2 loads with the first SSH session, not before', () => {
  let serve: Tracked;
  let watched: Watched;
  let url: string;

  beforeAll(async () => {
    const dir = makeTempDir('lazy-serve');
    const { preload, dumpFile } = preloadArgs(dir);
    const dataDir = mkdtempSync(join(dir, 'data-'));
    serve = startTracked(process.execPath, ['--import', preload, SERVE_BUNDLE, '--no-open', '--data-dir', dataDir], {
      cwd: root,
      env: { ...process.env, HOME: home, SSH_AUTH_SOCK: '', HOSTDECK_MODULE_DUMP: dumpFile },
    });
    watched = { pid: () => serve.child.pid as number, dumpFile };
    url = await printedUrl(serve);
  });

  afterAll(async () => {
    await serve?.stop();
  });

  it('is not loaded once the URL is printed', async () => {
    expect(ssh2Files(await loaded(watched))).toEqual([]);
  });

  it('is not loaded once the page has its app.info and address book (body[data-ready]); it is once a tab is connected', async () => {
    const page = await openAppPage(browser, url);
    try {
      expect(ssh2Files(await loaded(watched))).toEqual([]);
      await openSsh(page);
      const after = await loaded(watched);
      expect(ssh2Files(after).some(isSsh2Client)).toBe(true);
    } finally {
      await page.close();
    }
  });
});

describe('desktop (out/main/index.js through the Electron stand-in): ssh2 loads with the first SSH session', () => {
  let desktop: DesktopApp;
  let watched: Watched;

  beforeAll(() => {
    const dir = makeTempDir('lazy-desktop');
    const { preload, dumpFile } = preloadArgs(dir);
    desktop = launchDesktop({
      home,
      env: { NODE_OPTIONS: `--import ${preload}`, HOSTDECK_MODULE_DUMP: dumpFile },
    });
    watched = { pid: () => desktop.proc.child.pid as number, dumpFile };
  });

  afterAll(async () => {
    await desktop?.stop();
  });

  // node:tls is not checked here: the stand-in itself (playwright-core, in the same process) loads it.
  it('is not loaded once the window shows the book, nor is ws; both are once a tab is connected', async () => {
    const page = await desktop.windowPage();
    await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
    const start = await loaded(watched);
    // The preload did run in the app's process (it also sees the app's own dependencies: conf's ajv).
    expect(start.files.some((f) => f.includes(join('node_modules', 'ajv', 'dist')))).toBe(true);
    expect(ssh2Files(start)).toEqual([]);
    expect(wsFiles(start)).toEqual([]);
    await openSsh(page);
    const after = await loaded(watched);
    expect(ssh2Files(after).some(isSsh2Client)).toBe(true);
    // The tab's socket reached the gateway: ws is loaded now.
    expect(wsFiles(after).length).toBeGreaterThan(0);
  });
});
