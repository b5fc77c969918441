// `npm start` itself, as a developer runs it: electron-vite's dev path (main
// and preload built in dev mode, the page from the Vite dev server), with the
// Electron stand-in in the place of Electron's binary (ELECTRON_EXEC_PATH,
// which electron-vite honours instead of node_modules/electron/path.txt).
// It runs in a copy of the project, so its dev build never overwrites the
// production bundles other tests run.
import { afterAll, expect, it } from 'vitest';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  attach,
  ensureStandinBuilt,
  repoRoot,
  standinExecutable,
  type DesktopApp,
} from './support/electron-standin/launch.js';
import { killTree, makeTempDir, startTracked } from './support/processes.js';
import { devContentSecurityPolicy } from '../shared/csp.js';

const COPY = [
  'package.json',
  'package-lock.json',
  'electron.vite.config.ts',
  'tsconfig.json',
  'tsconfig.base.json',
  'tsconfig.node.json',
  'tsconfig.web.json',
  'tsconfig.test.json',
  'vite.renderer.config.ts',
  'main',
  'preload',
  'renderer',
  'shared',
  'scripts',
];

let app: DesktopApp | undefined;

afterAll(async () => {
  if (app?.proc.child.pid !== undefined) killTree(app.proc.child.pid);
  await app?.proc.exited;
});

it('npm start opens the window with the first page drawn, from the dev server', async () => {
  ensureStandinBuilt();
  const project = makeTempDir('npm-start');
  for (const entry of COPY) {
    try {
      cpSync(join(repoRoot, entry), join(project, entry), { recursive: true });
    } catch {
      // An optional entry (scripts/) may be absent.
    }
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(project, 'node_modules'));
  const userData = join(project, 'user-data');
  mkdirSync(userData);
  const proc = startTracked('npm', ['start', '--silent'], {
    cwd: project,
    env: {
      ...process.env,
      ELECTRON_EXEC_PATH: standinExecutable,
      HOSTDECK_STANDIN_USER_DATA: userData,
      HOME: makeTempDir('npm-start-home'),
    },
  });
  app = attach(proc, userData);
  const load = await app.waitFor('load', () => true, 90_000);
  expect(String(load['url'])).toMatch(/^http:\/\/localhost:\d+\/?$/);
  const page = await app.windowPage();
  await page.locator('body[data-ready=true]').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Add host' }).waitFor();
  // The dev server sends no CSP header: the page carries the dev policy itself.
  expect(await page.locator('meta[http-equiv=Content-Security-Policy]').getAttribute('content')).toBe(
    devContentSecurityPolicy(),
  );
  // The dev page reaches main over IPC like the packaged one.
  const info = await page.evaluate(() =>
    (window as unknown as { hostdeck: { api: Record<string, () => Promise<unknown>> } }).hostdeck.api['app.info']?.(),
  );
  expect(info).toMatchObject({ ok: true, result: { mode: 'desktop' } });
});
