// What rides a host's link comes back with it. A loopback relay the test cuts
// and restores (test/support/link-proxy.ts) stands between Hostdeck and a real
// sshd, so the link fails while the server lives on.
//
// Main: when a lease reopens a saved host whose pooled link died
// (SshOpener.subscribeLinks 'restored'), the forwards that failed with the old
// link start again on the new one and carry bytes; a forward the person
// stopped stays stopped. The page (serve mode, real Chromium): a tab with its
// files panel in a folder and a -L forward started from the Tunnels panel;
// the link is cut, the panel says it waits for the tab; the link comes back,
// the tab reconnects by itself, the forward carries an HTTP request again and
// the panel lists the same folder with no error left on screen.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { connectTo, httpOver, startHttpTarget, type HttpTarget } from '../bench/tunnels-rig.js';
import { sessionsApi } from '../main/api/sessions-api.js';
import { tunnelsApi } from '../main/api/tunnels-api.js';
import { Gateway } from '../main/gateway/gateway.js';
import type { ForwardStatus } from '../shared/tunnels.js';
import { sharedSshd, type TrustFiles } from './fixtures/ssh/harness.js';
import { StoreHarness } from './fixtures/store/harness.js';
import { startChromium } from './support/chromium.js';
import { addLocalForward, connectHost, openAppPage, terminalText, typeInTerminal } from './support/app-page.js';
import { filesGrid, filesPanel, makeRemoteTree, openFilesPanel, shownNames, typePath } from './support/files-page.js';
import { startLinkProxy, type LinkProxy } from './support/link-proxy.js';
import { connectRefused, freePort } from './support/net.js';
import { addKeyHost, setReconnectSchedule } from './support/reconnect-page.js';
import { homeWithKey, makeHome, startServe, type ServeProcess } from './support/serve.js';
import { ACTIVE_PANEL } from './support/session-tabs.js';
import type { Sshd } from './support/sshd.js';
import { saveShot } from './support/shots.js';

let sshd: Sshd;
let trust: TrustFiles;
const cleanups = sharedSshd((s, t) => {
  sshd = s;
  trust = t;
});
let target: HttpTarget;

beforeAll(async () => {
  target = await startHttpTarget();
});
afterAll(async () => {
  await target?.close();
});

/** An HTTP GET through 127.0.0.1:`port`; the reply's text, or the error's message when the port refuses. */
async function httpThrough(port: number, path: string): Promise<string> {
  try {
    return await httpOver(await connectTo(port), path);
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
}

describe("main: forwards follow a host's restored link", () => {
  it('a -L forward failed by the dropped link starts again when a lease reopens the host, and carries bytes', async () => {
    const proxy = await startLinkProxy(sshd.port);
    cleanups.push(() => proxy.close());
    const harness = new StoreHarness('reconnect-restore');
    cleanups.push(() => harness.cleanup());
    const gateway = await Gateway.start({ allowedOrigins: ['http://127.0.0.1:1'] });
    cleanups.push(() => gateway.close());
    const store = harness.open({ saveDelayMs: 0 });
    const forward = { kind: 'local' as const, bindAddress: '127.0.0.1', targetHost: '127.0.0.1' };
    const [portL, portStopped] = [await freePort(), await freePort()];
    const host = store.saveHost({
      name: 'rig',
      protocol: 'ssh',
      address: '127.0.0.1',
      port: proxy.port,
      username: sshd.keyUser,
      auth: { type: 'privateKey', path: sshd.clientKeyPath },
      folder: [],
      tags: [],
      notes: '',
      forwards: [
        { ...forward, id: 'web', bindPort: portL, targetPort: target.port, autoStart: false },
        { ...forward, id: 'off', bindPort: portStopped, targetPort: target.port, autoStart: false },
      ],
    });
    // The proxy's port is not in the trusted file: trust it as the page would after asking.
    const sessions = sessionsApi({
      store,
      gateway: () => gateway,
      emit: (event, payload) => {
        if (event === 'prompt.ask') {
          const ask = payload as { promptId: string; kind: string };
          if (ask.kind === 'hostKey') sessions.prompts.answer(ask.promptId, { type: 'decision', accept: true });
        }
      },
      homeDir: makeHome(),
      userKnownHosts: [trust.userFile],
    });
    const changes: ForwardStatus[] = [];
    const tunnels = tunnelsApi({ store, ssh: sessions.ssh, emit: (_e, s) => changes.push(s as ForwardStatus) });
    cleanups.push(async () => {
      await tunnels.dispose();
      await sessions.dispose();
    });
    const signal = new AbortController().signal;
    // The tab's first connection; the person starts both forwards from the Tunnels panel.
    const tab = await sessions.ssh.lease(host.id, 'tab-1', signal);
    // And its shell session, as SshOpener.open reports it (watchSessions): with a terminal open, the forward leaves
    // reconnecting to the terminal (a forward with none counts down by itself: test/tunnels-reconnect.test.ts).
    const tabSession = tunnels.manager.sessionOpened(host.id, 'tab-1');
    expect((await tunnels.manager.start(host.id, 'web', 'panel-1')).state).toBe('active');
    expect((await tunnels.manager.start(host.id, 'off', 'panel-1')).state).toBe('active');
    expect(await httpThrough(portL, '/before')).toContain('hello /before');
    const state = (id: string): string | undefined => tunnels.manager.list().find((s) => s.forwardId === id)?.state;

    proxy.cut();
    await expect.poll(() => state('web')).toBe('failed');
    expect(tunnels.manager.list().find((s) => s.forwardId === 'web')?.error?.code).toBe('SSH_DISCONNECTED');
    expect(await connectRefused(portL)).toBe(true);
    // The person stops one while the link is down: it must stay stopped.
    await tunnels.manager.stop(host.id, 'off');
    tab.lease.release();
    tabSession();

    proxy.restore();
    // The tab reconnecting: a lease on a new connection for the same host.
    const again = await sessions.ssh.lease(host.id, 'tab-2', signal);
    cleanups.push(() => again.lease.release());
    expect(again.lease.restored).toBe(true);
    await expect.poll(() => state('web')).toBe('active');
    expect(await httpThrough(portL, '/after')).toContain('hello /after');
    expect(state('off')).toBe('stopped');
    expect(await connectRefused(portStopped)).toBe(true);
    // It rides the tab's connection: one pooled connection, no second login.
    expect(sessions.pool.size).toBe(1);
    expect(changes.filter((c) => c.forwardId === 'web').map((c) => c.state)).toEqual(
      expect.arrayContaining(['failed', 'starting', 'active']),
    );
  });
});

describe('the page: the files panel and a forward come back with the tab (serve mode)', () => {
  let browser: Browser;
  let serve: ServeProcess;
  let page: Page;
  let proxy: LinkProxy;

  beforeAll(async () => {
    proxy = await startLinkProxy(sshd.port);
    const { home, keyPath } = homeWithKey(sshd.clientKeyPath);
    serve = await startServe({ home });
    browser = await startChromium();
    page = await openAppPage(browser, serve.url);
    await addKeyHost(page, { name: 'back', port: proxy.port, user: sshd.keyUser, keyPath });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await proxy?.close();
  });

  const banner = (): Promise<string> => page.locator(`${ACTIVE_PANEL} .session-banner`).innerText();
  const tunnelsDialog = (): Locator => page.getByRole('dialog', { name: 'Tunnels' });

  /** Adds a -L forward (only from the Tunnels panel) on `port` to the HTTP target, through the host editor. */
  async function addForward(port: number): Promise<void> {
    await addLocalForward(page, 'back', { listenPort: port, targetPort: target.port, autoStart: false });
  }

  it('cut: the panel waits for the tab; back: the tab reconnects, the forward carries bytes, the folder is listed again', async () => {
    const port = await freePort();
    await addForward(port);
    const root = makeRemoteTree(sshd.keyUser, { 'kept/alpha.txt': 'a', 'kept/beta.txt': 'b', 'other.txt': 'o' });
    await setReconnectSchedule(page, [200, 400, 400]);
    await connectHost(page, 'back');
    await page
      .getByRole('dialog', { name: 'Unknown host key' })
      .getByRole('button', { name: 'Trust and connect' })
      .click();
    await page.locator('[role=tab][data-status=connected]').waitFor({ timeout: 30_000 });
    await typeInTerminal(page, 'echo first-$((6*7))');
    await expect.poll(() => terminalText(page)).toContain('first-42');

    // The forward, from the Tunnels panel, rides the tab's connection.
    await page.getByRole('button', { name: 'Tunnels', exact: true }).click();
    await tunnelsDialog()
      .getByRole('button', { name: /^Start/ })
      .click();
    await expect.poll(() => tunnelsDialog().innerText()).toContain('Listening');
    await page.keyboard.press('Escape');
    await tunnelsDialog().waitFor({ state: 'detached' });
    expect(await httpThrough(port, '/one')).toContain('hello /one');

    await openFilesPanel(page);
    await typePath(page, join(root, 'kept'));
    await expect.poll(() => shownNames(page)).toEqual(['alpha.txt', 'beta.txt']);

    proxy.cut();
    await expect.poll(banner, { timeout: 30_000 }).toMatch(/Reconnecting in/);
    const status = filesPanel(page).locator('.files-status');
    await expect.poll(() => status.innerText(), { timeout: 30_000 }).toContain('listed again when the tab reconnects');
    expect(await filesPanel(page).getAttribute('aria-busy')).toBe('true');
    expect(await filesPanel(page).locator('.files-alert').innerText()).toBe('');
    expect(await connectRefused(port)).toBe(true);
    await saveShot(page, 'reconnect-files-waiting');

    proxy.restore();
    await expect.poll(() => page.locator('[role=tab][data-status=connected]').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => terminalText(page)).toContain('Reconnected: this is a new shell.');
    await expect.poll(() => httpThrough(port, '/two'), { timeout: 30_000 }).toContain('hello /two');
    // The same folder, listed on a new SFTP channel; nothing stale left.
    await expect.poll(() => status.innerText(), { timeout: 30_000 }).toMatch(/items/);
    expect(await shownNames(page)).toEqual(['alpha.txt', 'beta.txt']);
    expect(await filesPanel(page).locator('.files-crumb[aria-current]').innerText()).toBe('kept');
    expect(await filesPanel(page).locator('.files-alert').innerText()).toBe('');
    expect(await filesPanel(page).getAttribute('aria-busy')).toBeNull();
    // And it works: F5 lists again, a folder opens.
    await filesGrid(page).focus();
    await page.keyboard.press('F5');
    await expect.poll(() => shownNames(page)).toEqual(['alpha.txt', 'beta.txt']);
    await saveShot(page, 'reconnect-files-back');
    await typePath(page, root);
    await expect.poll(() => shownNames(page)).toEqual(['kept', 'other.txt']);
  });
});
