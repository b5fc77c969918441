// Starting the desktop app through the Electron stand-in, for tests and
// screenshots: builds the stand-in itself (esbuild, into node_modules/.cache),
// makes sure the app's own bundles (out/main, out/preload, out/renderer) are
// built by electron-vite exactly as `npm run build` makes them, runs
// `node --import register.mjs boot.mjs <repo>` like `electron .`, reads the
// stand-in's `standin:<kind> <json>` lines, and connects to its Chromium over
// CDP so a test can drive the window's page with Playwright.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { newestMtime } from '../../../main/serve/build-page.js';
import { captureOutput, makeTempDir, startTracked, type Tracked } from '../processes.js';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');
const standinDir = join(repoRoot, 'node_modules', '.cache', 'hostdeck-standin');
/** An executable in the place of Electron's, for ELECTRON_EXEC_PATH (electron-vite dev). */
export const standinExecutable = join(standinDir, 'bin', 'electron');

const DESKTOP_SOURCES = ['main', 'preload', 'renderer', 'shared', 'electron.vite.config.ts', 'package-lock.json'];
const DESKTOP_OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'];

/** Runs `electron-vite build` when any bundle is missing or older than its sources. */
export function ensureDesktopBuilt(): void {
  const builtAt = Math.min(
    ...DESKTOP_OUTPUTS.map((f) => (existsSync(join(repoRoot, f)) ? statSync(join(repoRoot, f)).mtimeMs : 0)),
  );
  const newest = Math.max(...DESKTOP_SOURCES.map((s) => newestMtime(join(repoRoot, s))));
  if (builtAt > newest) return;
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: repoRoot, stdio: 'pipe' });
}

/** Bundles the stand-in (register, boot, electron module) when its sources changed. */
export function ensureStandinBuilt(): void {
  const out = join(standinDir, 'electron.mjs');
  const sources = Math.max(
    newestMtime(import.meta.dirname),
    newestMtime(join(import.meta.dirname, '..', 'electron-runtime.ts')),
  );
  if (existsSync(out) && statSync(out).mtimeMs > sources && existsSync(standinExecutable)) return;
  mkdirSync(join(standinDir, 'bin'), { recursive: true });
  execFileSync(
    join(repoRoot, 'node_modules', '.bin', 'esbuild'),
    [
      'register.ts',
      'boot.ts',
      'electron.ts',
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--packages=external',
      '--log-level=warning',
      `--outdir=${standinDir}`,
      '--out-extension:.js=.mjs',
    ],
    { cwd: import.meta.dirname, stdio: 'pipe' },
  );
  writeFileSync(
    standinExecutable,
    `#!/bin/sh\nexec "${process.execPath}" --import "${join(standinDir, 'register.mjs')}" "${join(standinDir, 'boot.mjs')}" "$@"\n`,
  );
  chmodSync(standinExecutable, 0o755);
}

export interface StandinEvent {
  kind: string;
  data: Record<string, unknown>;
}

export interface DesktopApp {
  proc: Tracked;
  userData: string;
  events: StandinEvent[];
  /** Everything it printed (stdout + stderr). */
  output(): string;
  /** Resolves with the first event of `kind` (already seen or to come) that matches. */
  waitFor(
    kind: string,
    match?: (data: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** The Chromium the stand-in drives, seen over CDP. */
  browser(): Promise<Browser>;
  /** The page of the window that loaded `url` (app:// as the app asked). */
  windowPage(): Promise<Page>;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  userData?: string;
  home?: string;
  env?: Record<string, string>;
  /** Run as the packaged app (app.isPackaged === true). */
  packaged?: boolean;
}

export function launchDesktop(opts: LaunchOptions = {}): DesktopApp {
  ensureDesktopBuilt();
  ensureStandinBuilt();
  const userData = opts.userData ?? makeTempDir('desktop-userdata');
  const proc = startTracked(
    process.execPath,
    ['--import', join(standinDir, 'register.mjs'), join(standinDir, 'boot.mjs'), repoRoot],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        HOME: opts.home ?? makeTempDir('desktop-home'),
        SSH_AUTH_SOCK: '',
        HOSTDECK_STANDIN_USER_DATA: userData,
        ...(opts.packaged ? { HOSTDECK_STANDIN_PACKAGED: '1' } : {}),
        ...opts.env,
      },
    },
  );
  return attach(proc, userData);
}

/** Reads a stand-in process's event lines and offers the DesktopApp view of it. */
export function attach(proc: Tracked, userData: string): DesktopApp {
  const events: StandinEvent[] = [];
  const waiters = new Set<() => void>();
  const output = captureOutput(proc.child, 1024 * 1024);
  let pending = '';
  proc.child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const m = /^standin:([\w-]+) (.*)$/.exec(line);
      if (!m) continue;
      try {
        events.push({ kind: m[1] as string, data: JSON.parse(m[2] as string) as Record<string, unknown> });
      } catch {
        continue;
      }
      for (const w of [...waiters]) w();
    }
  });
  let browser: Promise<Browser> | undefined;
  const app: DesktopApp = {
    proc,
    userData,
    events,
    output,
    waitFor(kind, match = () => true, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = events.find((e) => e.kind === kind && match(e.data));
          if (!hit) return false;
          cleanup();
          resolve(hit.data);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no standin:${kind} in ${timeoutMs} ms; output:\n${output().slice(-4000)}`));
        }, timeoutMs);
        const onExit = (): void => {
          if (check()) return;
          cleanup();
          reject(new Error(`the app exited before standin:${kind}; output:\n${output().slice(-4000)}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
          proc.child.off('exit', onExit);
        };
        const waiter = (): void => void check();
        if (check()) return;
        waiters.add(waiter);
        proc.child.once('exit', onExit);
      });
    },
    browser() {
      browser ??= app.waitFor('cdp').then((d) => chromium.connectOverCDP(String(d['endpoint'])));
      return browser;
    },
    async windowPage() {
      const load = await app.waitFor('load');
      const pageUrl = String(load['pageUrl']);
      const withoutHash = (u: string): string => {
        const url = new URL(u);
        url.hash = '';
        return url.href;
      };
      const b = await app.browser();
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        for (const ctx of b.contexts())
          for (const p of ctx.pages())
            if (p.url().startsWith('http') && withoutHash(p.url()) === withoutHash(pageUrl)) return p;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no page at ${pageUrl}`);
    },
    async stop() {
      if (browser) await (await browser.catch(() => undefined))?.close().catch(() => undefined);
      await proc.stop('SIGTERM');
    },
  };
  return app;
}
