// The desktop app as people install it: the BUILT bundles (out/main,
// out/preload, out/renderer, made by electron-vite exactly as `npm run build`
// makes them) run in the Electron stand-in (test/support/electron-standin/),
// which models Electron's runtime (BoringSSL: no ChaCha20, no anonymous TLS,
// OpenSSL-built addons refused) and drives a real Chromium. Real sshd.
// A bundling defect, a runtime difference the code ignores, or a shell defect
// (navigation, start-up failure, packaged-only rules) fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { createServer, get as httpGet, type Server } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { contentSecurityPolicy } from '../shared/csp.js';
import { launchDesktop, type DesktopApp } from './support/electron-standin/launch.js';
import { addHost, answerPassword, connectHost, openSshTab, terminalText, typeInTerminal } from './support/app-page.js';
import { makeHome } from './support/serve.js';
import { disconnectsSince, startSshd, type Sshd } from './support/sshd.js';
import { startXvnc, type Xvnc } from './support/xvnc.js';
import { makeTempDir } from './support/processes.js';
import { makeSelfSignedCert, x509Args } from './support/certs.js';
import { ACTIVE_PANEL as activePanel, activeVncPixel, closeActiveTab as closeTab } from './support/session-tabs.js';
import { vncHostInput } from './support/hosts.js';

const artifacts = join(import.meta.dirname, '..', 'test-artifacts');
mkdirSync(artifacts, { recursive: true });

let sshd: Sshd;
const servers: Xvnc[] = [];
let desktop: DesktopApp;
let page: Page;
const home = makeHome();

type Reply = { ok: boolean; result?: unknown; error?: { code: string; message: string } };

/** Calls the API the way the desktop page does: through the preload's table. */
function desktopApi(method: string, ...params: unknown[]): Promise<Reply> {
  return page.evaluate(
    ({ method, params }) =>
      (window as unknown as { hostdeck: { api: Record<string, (...p: unknown[]) => Promise<Reply>> } }).hostdeck.api[
        method
      ]?.(...params) as Promise<Reply>,
    { method, params },
  );
}

function fetchText(
  url: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

async function openDesktop(app: DesktopApp): Promise<Page> {
  const p = await app.windowPage();
  await p.locator('body[data-ready=true]').waitFor({ timeout: 30_000 });
  return p;
}

beforeAll(async () => {
  sshd = await startSshd();
  desktop = launchDesktop({ home });
  page = await openDesktop(desktop);
});

afterAll(async () => {
  await desktop?.stop();
  await sshd?.stop();
  await Promise.all(servers.map((x) => x.stop()));
});

async function addVncHost(name: string, server: Xvnc): Promise<void> {
  const created = await desktopApi('hosts.create', vncHostInput(name, server));
  expect(created).toMatchObject({ ok: true });
  const id = (created.result as { id: string }).id;
  expect(await desktopApi('secrets.set', id, 'vncPassword', server.password)).toMatchObject({ ok: true });
  await page.getByRole('treeitem', { name }).waitFor();
}

function closeActiveTab(name: string): Promise<void> {
  return closeTab(page, name);
}

describe('the desktop app in the Electron stand-in', () => {
  it('loads app://hostdeck/index.html through its own protocol handler, with the exact CSP, and draws the address book', async () => {
    const load = await desktop.waitFor('load');
    expect(load['url']).toBe('app://hostdeck/index.html');
    const win = await desktop.waitFor('window');
    expect(win['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
    });
    const info = await desktopApi('app.info');
    expect(info).toMatchObject({ ok: true, result: { mode: 'desktop' } });
    const gatewayPort = (info.result as { gatewayPort: number }).gatewayPort;
    // What the app's app:// handler answers, relayed unchanged by the stand-in.
    const cdp = await desktop.waitFor('cdp');
    const doc = await fetchText(`${String(cdp['pageOrigin'])}/index.html`);
    expect(doc.status).toBe(200);
    expect(doc.headers['content-security-policy']).toBe(contentSecurityPolicy([`ws://127.0.0.1:${gatewayPort}`]));
    // One policy only: no looser <meta> policy in the built page beside the header.
    expect(doc.body).not.toMatch(/http-equiv/i);
    expect((await fetchText(`${String(cdp['pageOrigin'])}/../../../etc/passwd`)).status).toBe(404);
    // Chromium enforces it: a WebSocket anywhere but the gateway is blocked.
    const blocked = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
          try {
            new WebSocket('ws://127.0.0.1:9/');
          } catch {
            resolve('connect-src (thrown)');
          }
        }),
    );
    expect(blocked).toMatch(/^connect-src/);
    await page.getByRole('button', { name: 'Add host' }).waitFor();
    expect(desktop.events.filter((e) => e.kind === 'dialog' || e.kind === 'pageerror')).toEqual([]);
  });

  it('reports what the runtime lacks: ssh2 native crypto does not load under BoringSSL, bufferutil (N-API) does', async () => {
    const info = await desktopApi('app.info');
    expect((info.result as { native: unknown }).native).toEqual({ sshCrypto: false, bufferutil: true });
    // Said plainly, as how the desktop app is built, not as something missing.
    await page.getByText('SSH encryption runs in JavaScript (Electron has no OpenSSL).').waitFor();
    expect(await page.locator('footer .warn').count()).toBe(0);
  });

  it('refuses IPC from a subframe and from a foreign page; answers the window itself', async () => {
    expect(await desktopApi('app.info')).toMatchObject({ ok: true });
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const frame = document.createElement('iframe');
          frame.src = '/favicon.svg';
          frame.onload = () => resolve();
          document.body.append(frame);
        }),
    );
    const sub = page.frames().find((f) => f !== page.mainFrame());
    expect(sub).toBeDefined();
    const invokeFromFrame = `window.__hostdeckStandinInvoke('hostdeck:api', ['app.info', []])`;
    expect(await sub?.evaluate(invokeFromFrame)).toMatchObject({
      value: { ok: false, error: { code: 'API_FORBIDDEN' } },
    });
    await page.evaluate(() => document.querySelector('iframe')?.remove());
    // Another origin in the same browser (localhost is not 127.0.0.1).
    const cdp = await desktop.waitFor('cdp');
    const foreign = await (await desktop.browser()).contexts()[0]?.newPage();
    if (!foreign) throw new Error('no context');
    await foreign.goto(String(cdp['pageOrigin']).replace('127.0.0.1', 'localhost') + '/favicon.svg');
    expect(await foreign.evaluate(invokeFromFrame)).toMatchObject({
      value: { ok: false, error: { code: 'API_FORBIDDEN' } },
    });
    await foreign.close();
  });

  it('SSH in BoringSSL: add a host, trust its key, log in, see a command run', async () => {
    await openSshTab(page, sshd, 'rig', async (keyDialog) => {
      await expect(keyDialog.textContent()).resolves.toContain(sshd.hostKeyFingerprint());
    });
    await typeInTerminal(page, 'echo desktop-$((6*7))');
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('desktop-42');
    await page.screenshot({ path: join(artifacts, 'desktop-terminal.png') });
    // The cipher is one Electron has (no chacha20 in BoringSSL).
    expect(sshd.log()).not.toMatch(/chacha20/);
  });

  it('switching language reloads the page (its own reload is not a navigation away); light and dark, en and zh-CN', async () => {
    await page.getByRole('button', { name: /^Close rig/ }).click();
    await expect.poll(() => page.getByRole('tab').count()).toBe(0);
    const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(artifacts, `desktop-${name}.png`) });
    const settings = async (title: string, label: string, value: string): Promise<void> => {
      await page.getByRole('button', { name: title === 'Settings' ? 'Open settings' : '打开设置' }).click();
      await page.getByRole('dialog', { name: title }).getByLabel(label).selectOption(value);
    };
    await settings('Settings', 'Theme', 'dark');
    await page.keyboard.press('Escape');
    await shot('dark-en');
    await settings('Settings', 'Language', 'zh-CN');
    await page.getByRole('button', { name: '添加主机' }).waitFor({ timeout: 20_000 });
    const nav = await desktop.waitFor('will-navigate');
    expect(nav).toMatchObject({ url: 'app://hostdeck/index.html', prevented: false });
    await page.locator('body[data-ready=true]').waitFor();
    await shot('dark-zh-CN');
    await settings('设置', '主题', 'light');
    await page.keyboard.press('Escape');
    await shot('light-zh-CN');
    await settings('设置', '语言', 'en');
    await page.getByRole('button', { name: 'Add host' }).waitFor({ timeout: 20_000 });
    await shot('light-en');
  });

  it('refuses navigation away from the app', async () => {
    const before = desktop.events.length;
    await page.evaluate(() => {
      location.href = 'https://evil.example/';
    });
    await expect
      .poll(() => desktop.events.slice(before).find((e) => e.kind === 'will-navigate')?.data, { timeout: 10_000 })
      .toMatchObject({ url: 'https://evil.example/', prevented: true });
    await page.getByRole('button', { name: 'Add host' }).waitFor();
  });

  it('development builds offer developer tools in the menu', async () => {
    const menu = await desktop.waitFor('menu');
    expect(menu['items']).toContain('toggleDevTools');
  });

  it('a second start hands over to the running app and quits', async () => {
    const second = launchDesktop({ home, userData: desktop.userData });
    expect(await second.proc.exited).toBe(0);
    await desktop.waitFor('second-instance');
    expect(second.events.filter((e) => e.kind === 'window')).toEqual([]);
  });

  it("VNC on TigerVNC's default offer (TLSVnc,VncAuth): BoringSSL has no anonymous TLS, so VncAuth, and the tab says it is not encrypted", async () => {
    expect(await desktopApi('secrets.setMasterPassword', 'desktop-master-1')).toMatchObject({ ok: true });
    const server = await startXvnc({ securityTypes: 'TLSVnc,VncAuth' });
    servers.push(server);
    server.setRootColor('#00ff00');
    await addVncHost('default-offer', server);
    await connectHost(page, 'default-offer');
    await page.locator(`${activePanel}[data-status=connected]`).waitFor({ timeout: 30_000 });
    await expect.poll(() => activeVncPixel(page), { timeout: 20_000 }).toEqual([0, 255, 0]);
    const security = page.locator(`${activePanel} .vnc-security`);
    await expect(security.innerText()).resolves.toMatch(/^Not encrypted/);
    expect(await security.getAttribute('data-encrypted')).toBe('false');
    await page.screenshot({ path: join(artifacts, 'desktop-vnc-unencrypted.png') });
    await closeActiveTab('default-offer');
  });

  it('VNC with X509Vnc connects encrypted after the certificate prompt', async () => {
    const cert = makeSelfSignedCert(makeTempDir('desktop-x509'), 'desktop');
    const server = await startXvnc({ securityTypes: 'X509Vnc', extraArgs: x509Args(cert) });
    servers.push(server);
    server.setRootColor('#ff00ff');
    await addVncHost('x509', server);
    await connectHost(page, 'x509');
    const certDialog = page.getByRole('dialog', { name: 'Unknown VNC server certificate' });
    await certDialog.waitFor();
    await certDialog.getByRole('button', { name: 'Trust and connect' }).click();
    await page.locator(`${activePanel}[data-status=connected]`).waitFor({ timeout: 30_000 });
    await expect.poll(() => activeVncPixel(page), { timeout: 20_000 }).toEqual([255, 0, 255]);
    const security = page.locator(`${activePanel} .vnc-security`);
    await expect(security.innerText()).resolves.toMatch(/^Encrypted/);
    expect(await security.getAttribute('data-encrypted')).toBe('true');
    await page.screenshot({ path: join(artifacts, 'desktop-vnc-x509.png') });
    await closeActiveTab('x509');
  });

  it('quitting waits for every session, even one still logging in, to close: the server sees clean disconnects', async () => {
    const close = page.getByRole('button', { name: /^Close / });
    for (let n = await close.count(); n > 0; n--) await close.first().click();
    await expect.poll(() => page.getByRole('tab').count()).toBe(0);
    await connectHost(page, 'rig');
    await answerPassword(page, sshd.password);
    await page.locator('[role=tab][data-status=connected]').waitFor({ timeout: 30_000 });
    // A second login still at its password prompt when the app quits.
    await addHost(page, { name: 'rig-2', address: 'localhost', port: sshd.port, user: sshd.keyUser, auth: 'password' });
    await connectHost(page, 'rig-2');
    const keyDialog = page.getByRole('dialog', { name: 'Unknown host key' });
    await keyDialog.waitFor();
    await keyDialog.getByRole('button', { name: 'Trust and connect' }).click();
    await page.getByRole('dialog', { name: /Password for/ }).waitFor();
    const mark = sshd.log().length;
    desktop.proc.child.kill('SIGTERM');
    expect(await desktop.proc.exited).toBe(0);
    await expect.poll(() => disconnectsSince(sshd, mark), { timeout: 10_000 }).toBe(2);
  });
});

describe('start-up and packaged builds', () => {
  let foreign: Server;
  beforeAll(async () => {
    foreign = createServer((_req, res) => res.end('<p>not hostdeck</p>'));
    await new Promise<void>((ok) => foreign.listen(0, '127.0.0.1', ok));
  });
  afterAll(() => {
    foreign?.close();
  });

  it('a failure inside start-up shows a message and exits; the next start is not blocked', async () => {
    const failing = launchDesktop({ home, env: { HOSTDECK_STANDIN_FAIL: 'protocol.handle' } });
    const dialog = await failing.waitFor('dialog');
    expect(dialog).toMatchObject({ kind: 'error', title: 'Hostdeck could not start' });
    expect(String(dialog['content'])).toContain('could not be registered');
    expect(await failing.proc.exited).toBe(1);
    // No ghost keeps the single-instance lock.
    const next = launchDesktop({ home, userData: failing.userData });
    try {
      const p = await openDesktop(next);
      await p.getByRole('button', { name: 'Add host' }).waitFor();
    } finally {
      await next.stop();
    }
  });

  it('the packaged app ignores ELECTRON_RENDERER_URL and has no developer tools', async () => {
    const port = (foreign.address() as { port: number }).port;
    const packaged = launchDesktop({
      home,
      packaged: true,
      env: { ELECTRON_RENDERER_URL: `http://127.0.0.1:${port}` },
    });
    try {
      const load = await packaged.waitFor('load');
      expect(load['url']).toBe('app://hostdeck/index.html');
      const p = await openDesktop(packaged);
      await p.getByRole('button', { name: 'Add host' }).waitFor();
      const menu = await packaged.waitFor('menu');
      expect(menu['items']).not.toContain('toggleDevTools');
      expect(menu['items']).toContain('reload');
    } finally {
      await packaged.stop();
    }
  });
});
