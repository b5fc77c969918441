// The Tunnels panel as a person meets a lost link, with no terminal open:
// serve mode in a real Chromium, a real sshd behind a link relay
// (test/support/link-proxy.ts). A -L forward started from the panel counts
// down "Reconnecting in N s" when the link is cut (Stop stays available),
// comes back by itself on the same port when the link does, and Stop during
// the countdown stops it. Main's real waits (1, 2, 5 s) are used.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHttpTarget, type HttpTarget } from '../bench/tunnels-rig.js';
import { startChromium } from './support/chromium.js';
import { openAppPage } from './support/app-page.js';
import { startLinkProxy, type LinkProxy } from './support/link-proxy.js';
import { addKeyHost } from './support/reconnect-page.js';
import { homeWithKey, startServe, type ServeProcess } from './support/serve.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { panelForwardRides } from './support/tunnels-reconnect-flow.js';

let sshd: Sshd;
let target: HttpTarget;
let proxy: LinkProxy;
let serve: ServeProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [sshd, target] = await Promise.all([startSshd(), startHttpTarget()]);
  proxy = await startLinkProxy(sshd.port);
  const { home, keyPath } = homeWithKey(sshd.clientKeyPath);
  serve = await startServe({ home });
  browser = await startChromium();
  page = await openAppPage(browser, serve.url, { width: 1280, height: 820 });
  await addKeyHost(page, { name: 'alone', port: proxy.port, user: sshd.keyUser, keyPath });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await proxy?.close();
  await target?.close();
  await sshd?.stop();
});

describe('a forward started from the Tunnels panel with no terminal, when its link is lost', () => {
  it('counts down in the panel, comes back by itself, and Stop during the countdown stops it', async () => {
    await panelForwardRides(page, proxy, target, 'tunnels-reconnecting');
    // (That no try follows a Stop is checked without a page: test/tunnels-reconnect.test.ts.)
  });
});
