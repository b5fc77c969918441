// `npm run bench -- reconnect [--quick] [--runtime=both|node|electron]`: how
// soon a terminal tab is usable again once its server is back, in headless
// Chromium against a real sshd, through a loopback relay that cuts the link
// (test/support/link-proxy.ts) while sshd lives on.
//   reconnect_time   serve mode (plain Node): the relay lets connections
//                    through again and the page hears 'online' (what the
//                    browser says when the network returns; a countdown
//                    tries at once) → the tab is connected and the new
//                    shell's prompt is drawn (ms)
//   electron_reconnect_time  the same in the desktop app's built bundles,
//                    run by the Electron stand-in (BoringSSL model, no
//                    native ssh2 binding: test/support/electron-standin/)
//                    vs ssh_fresh_login: `ssh -i key user@127.0.0.1 echo …`
//                    to the same sshd, spawn to the answer read (a fresh
//                    login with no connection to share, as a reconnect is),
//                    timed between the app's tries of each profile.
// The tab's countdown is set to ten minutes, so the measured try is the one
// the event starts, not one the schedule happens to start.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { printReport, stats, type Measurement } from './report.js';
import { runtimeArg, runtimesOf, type Runtime } from './profile-rig.js';
import { makeTempDir, openRunDir } from '../test/support/processes.js';
import { startSshd, type Sshd } from '../test/support/sshd.js';
import { makeHome, startServe } from '../test/support/serve.js';
import { startChromium } from '../test/support/chromium.js';
import { connectHost, openAppPage, terminalText, typeInTerminal } from '../test/support/app-page.js';
import { launchDesktop } from '../test/support/electron-standin/launch.js';
import { startLinkProxy, type LinkProxy } from '../test/support/link-proxy.js';
import { addKeyHost, networkBack, setReconnectSchedule } from '../test/support/reconnect-page.js';

const TEN_MINUTES = 600_000;

export async function main(args: string[]): Promise<void> {
  const runtimes = runtimesOf(runtimeArg(args));
  const run = openRunDir('hostdeck-bench-reconnect');
  try {
    await measure(args.includes('--quick') ? 3 : 9, runtimes);
  } finally {
    run.release();
  }
}

/** The app's page in one runtime profile, and how to end it. */
interface AppShell {
  page: Page;
  stop(): Promise<void>;
}

/** Serve mode in a fresh Chromium (node), or the desktop bundles in the Electron stand-in (electron). */
async function openShell(runtime: Runtime, home: string): Promise<AppShell> {
  if (runtime === 'electron') {
    const desktop = launchDesktop({ home });
    const page = await desktop.windowPage();
    await page.locator('body[data-ready=true]').waitFor({ timeout: 60_000 });
    return { page, stop: () => desktop.stop() };
  }
  const serve = await startServe({ home });
  const browser = await startChromium();
  const page = await openAppPage(browser, serve.url);
  return { page, stop: async () => (await browser.close(), await serve.stop()) };
}

async function measure(runs: number, runtimes: Runtime[]): Promise<void> {
  const sshd = await startSshd();
  const proxy = await startLinkProxy(sshd.port);
  const home = makeHome();
  const keyPath = join(home, '.ssh', 'bench_key');
  copyFileSync(sshd.clientKeyPath, keyPath);
  chmodSync(keyPath, 0o600);
  const rows: Measurement[] = [];
  try {
    for (const runtime of runtimes) {
      const shell = await openShell(runtime, home);
      try {
        rows.push(await measureProfile(shell.page, runtime, { sshd, proxy, keyPath }, runs));
      } finally {
        await shell.stop();
      }
    }
    printReport('reconnect', 'Reconnect: server back → tab usable (Chromium, real sshd)', rows, [
      `runs: ${runs} per profile (+1 warm-up each); the page's countdown is ten minutes, the 'online' event starts the try`,
      'node: serve mode; electron: the built desktop bundles in the Electron stand-in (its runtime model)',
    ]);
  } finally {
    await proxy.close();
    await sshd.stop();
  }
}

/** Adds the host, connects, then times `runs` reconnects (after one warm-up), each beside a fresh ssh login. */
async function measureProfile(
  page: Page,
  runtime: Runtime,
  rig: { sshd: Sshd; proxy: LinkProxy; keyPath: string },
  runs: number,
): Promise<Measurement> {
  const { sshd, proxy, keyPath } = rig;
  await addKeyHost(page, { name: 'rig', port: proxy.port, user: sshd.keyUser, keyPath });
  await setReconnectSchedule(page, [TEN_MINUTES]);
  await connectHost(page, 'rig');
  await page
    .getByRole('dialog', { name: 'Unknown host key' })
    .getByRole('button', { name: 'Trust and connect' })
    .click();
  await connected(page);
  const app: number[] = [];
  const ref: number[] = [];
  // One of each first, not counted: Chromium, sshd and the page warm up.
  for (let i = -1; i < runs; i++) {
    const a = await reconnectOnce(page, proxy, i + 100);
    const r = freshLogin(sshd, keyPath, i + 100);
    if (i >= 0) {
      app.push(a);
      ref.push(r);
    }
  }
  const a = stats(app);
  const r = stats(ref);
  return {
    metric: runtime === 'node' ? 'reconnect_time' : 'electron_reconnect_time',
    value: a.median,
    unit: 'ms',
    reference: 'ssh_fresh_login',
    referenceValue: r.median,
    note: `median of ${runs}; app ${a.min.toFixed(0)}–${a.max.toFixed(0)}, ssh ${r.min.toFixed(0)}–${r.max.toFixed(0)}`,
    better: 'lower',
  };
}

async function connected(page: Page): Promise<void> {
  await page.locator('[role=tab][data-status=connected]').waitFor({ timeout: 60_000 });
}

const NEW_SHELL = 'Reconnected: this is a new shell.';

/**
 * Cuts the link, waits for the countdown, then times: relay open + 'online'
 * → the tab connected and the new shell's prompt drawn after the "new shell"
 * notice. Then checks (untimed: the driver types a key per round trip) that
 * the shell runs what is typed.
 */
async function reconnectOnce(page: Page, proxy: LinkProxy, n: number): Promise<number> {
  await connected(page);
  proxy.cut();
  await page.locator('[role=tab][data-status=disconnected]').waitFor({ timeout: 60_000 });
  await page.getByText(/Reconnecting in \d+ s/).waitFor({ timeout: 60_000 });
  const notices = (await terminalText(page)).split(NEW_SHELL).length - 1;
  const t0 = performance.now();
  proxy.restore();
  await networkBack(page);
  await until(page, (text) => /\$ *$/m.test(text.split(NEW_SHELL)[notices + 1] ?? ''));
  const ms = performance.now() - t0;
  await typeInTerminal(page, `echo back-${n}-$((6*7))`);
  await until(page, (text) => text.includes(`back-${n}-42`));
  return ms;
}

/** Reads the terminal (a CDP round trip each) until `test` holds; the page's CSP rules out waitForFunction. */
async function until(page: Page, test: (text: string) => boolean): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (!test(await terminalText(page))) {
    if (performance.now() > deadline)
      throw new Error(`the terminal never showed what was awaited:\n${await terminalText(page)}`);
  }
}

/** A fresh OpenSSH login to the same sshd running `echo`, spawn to the answer (ms). */
function freshLogin(sshd: Sshd, keyPath: string, n: number): number {
  const t0 = performance.now();
  const r = spawnSync(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-i',
      keyPath,
      '-p',
      String(sshd.port),
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      `UserKnownHostsFile=${join(makeTempDir('reconnect-kh'), 'known_hosts')}`,
      '-o',
      'BatchMode=yes',
      '-o',
      'LogLevel=ERROR',
      `${sshd.keyUser}@127.0.0.1`,
      `echo back-${n}-$((6*7))`,
    ],
    { encoding: 'utf8' },
  );
  const ms = performance.now() - t0;
  if (r.status !== 0 || !r.stdout.includes(`back-${n}-42`)) throw new Error(`ssh failed: ${r.stderr}`);
  return ms;
}
