// The desktop twin of tunnels-reconnect-ui.test.ts: the built bundles in the
// Electron stand-in, where the panel reaches main over IPC and main's
// forward reconnects by itself. The same steps (support/tunnels-reconnect-flow.ts):
// a -L forward started from the Tunnels panel with no terminal open counts
// down when its link is cut, comes back on the same port, and Stop during
// the countdown stops it. Real sshd behind a link relay.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startHttpTarget, type HttpTarget } from '../bench/tunnels-rig.js';
import { launchDesktop, type DesktopApp } from './support/electron-standin/launch.js';
import { startLinkProxy, type LinkProxy } from './support/link-proxy.js';
import { addKeyHost } from './support/reconnect-page.js';
import { homeWithKey } from './support/serve.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { panelForwardRides } from './support/tunnels-reconnect-flow.js';

let sshd: Sshd;
let target: HttpTarget;
let proxy: LinkProxy;
let desktop: DesktopApp;
let page: Page;

beforeAll(async () => {
  [sshd, target] = await Promise.all([startSshd(), startHttpTarget()]);
  proxy = await startLinkProxy(sshd.port);
  const { home, keyPath } = homeWithKey(sshd.clientKeyPath);
  desktop = launchDesktop({ home });
  page = await desktop.windowPage();
  await page.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
  await addKeyHost(page, { name: 'alone', port: proxy.port, user: sshd.keyUser, keyPath });
}, 120_000);

afterAll(async () => {
  await desktop?.stop();
  await proxy?.close();
  await target?.close();
  await sshd?.stop();
});

describe('desktop: a forward started from the Tunnels panel with no terminal, when its link is lost', () => {
  it('counts down in the panel, comes back by itself, and Stop during the countdown stops it', async () => {
    await panelForwardRides(page, proxy, target, 'tunnels-reconnecting-desktop');
  });
});
