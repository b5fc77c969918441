// VNC tabs as a person uses them: serve mode in a real Chromium, real TigerVNC
// Xvnc servers (and a real sshd for the tunnelled path), a fresh data folder.
// What the page receives on the gateway WebSocket is recorded, so the tests
// can show that main did the VNC login and the page never saw the password.
// Screenshots go to test-artifacts/vnc-*.png to be looked at.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HostInput, SavedHost, VncOptions } from '../shared/model/host.js';
import { pageApi } from '../bench/vnc-page.js';
import { startChromium } from './support/chromium.js';
import { openAppPage } from './support/app-page.js';
import { makeTempDir } from './support/processes.js';
import { makeSelfSignedCert, x509Args } from './support/certs.js';
import { sshHostInput, vncHostInput } from './support/hosts.js';
import { startServe, type ServeProcess } from './support/serve.js';
import { saveShot } from './support/shots.js';
import { ACTIVE_PANEL as activePanel, activeVncPixel, closeActiveTab as closeTab } from './support/session-tabs.js';
import { startSshd, type Sshd } from './support/sshd.js';
import { startXvnc, type Xvnc, type XvncOptions } from './support/xvnc.js';

const MASTER = 'master-password-for-tests';
const HTML_NAME = '<img src=x onerror=alert(1)>';

let browser: Browser;
let serve: ServeProcess;
let sshd: Sshd;
let page: Page;
const servers: Xvnc[] = [];
/** Bytes the page received on each gateway WebSocket, by URL. */
const gatewayFrames = new Map<string, Buffer[]>();
/** Bytes the page sent on each gateway WebSocket, by URL. */
const gatewaySent = new Map<string, Buffer[]>();
/** Every API reply and event the page received, as text. */
const apiFrames: string[] = [];
const dialogs: string[] = [];

async function xvnc(opts: XvncOptions): Promise<Xvnc> {
  const x = await startXvnc(opts);
  servers.push(x);
  return x;
}

const shot = (name: string): Promise<void> => saveShot(page, `vnc-${name}`);

function api<T>(method: string, ...params: unknown[]): Promise<T> {
  return pageApi<T>(page, method, ...params);
}

async function addVncHost(name: string, server: Xvnc, vnc: Partial<VncOptions> = {}): Promise<SavedHost> {
  const host = await api<SavedHost>('hosts.create', vncHostInput(name, server, vnc));
  await page.getByRole('treeitem', { name }).waitFor();
  return host;
}

async function connect(name: string): Promise<void> {
  await page.getByRole('treeitem', { name }).dblclick();
}

/** The RGB of the remote desktop's framebuffer at (x, y), read from noVNC's canvas. */
function pixel(x = 100, y = 100): Promise<number[] | null> {
  return activeVncPixel(page, x, y);
}

async function waitConnected(): Promise<void> {
  try {
    await page.locator(`${activePanel}[data-status=connected]`).waitFor({ timeout: 30_000 });
  } catch (err) {
    await shot('failure');
    const state = await page.evaluate(() =>
      [...document.querySelectorAll('[role=tab], .session-banner, .session')]
        .map(
          (e) => `${e.className} ${JSON.stringify((e as HTMLElement).dataset)} ${(e.textContent ?? '').slice(0, 200)}`,
        )
        .join('\n'),
    );
    throw new Error(`not connected; page state:\n${state}`, { cause: err });
  }
}

function closeActiveTab(name: string): Promise<void> {
  return closeTab(page, name);
}

function bannerText(): Promise<string> {
  return page.locator(`${activePanel} .session-banner`).innerText();
}

beforeAll(async () => {
  sshd = await startSshd();
  serve = await startServe();
  browser = await startChromium();
  page = await openAppPage(browser, serve.url, { width: 1200, height: 760 }, watchPage);
  await api('secrets.setMasterPassword', MASTER);
}, 90_000);

/** Listeners that must see the page's first load: its errors, dialogs and WebSocket frames. */
function watchPage(p: Page): void {
  p.on('console', (m) => {
    if (m.type() === 'error') console.error(`page ${m.type()}:`, m.text());
  });
  p.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  p.on('websocket', (ws) => {
    const url = ws.url();
    if (url.includes('/api?')) {
      ws.on('framereceived', (f) =>
        apiFrames.push(typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8')),
      );
      return;
    }
    const got: Buffer[] = [];
    const sent: Buffer[] = [];
    gatewayFrames.set(url, got);
    gatewaySent.set(url, sent);
    ws.on('framereceived', (f) => got.push(Buffer.from(f.payload)));
    ws.on('framesent', (f) => sent.push(Buffer.from(f.payload)));
  });
}

// A failed test must not leave its tab for the next one to trip over.
afterEach(async () => {
  const close = page.getByRole('button', { name: /^Close / });
  for (let n = await close.count(); n > 0; n--) await close.first().click();
  await expect.poll(() => page.getByRole('tab').count()).toBe(0);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await Promise.all(servers.map((s) => s.stop()));
  await sshd?.stop();
});

describe('VNC tabs end to end', () => {
  it('connects to Xvnc (SecurityTypes None) and draws the real desktop', async () => {
    const server = await xvnc({ securityTypes: 'None' });
    server.setRootColor('#ff0000');
    await addVncHost('plain', server);
    await connect('plain');
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).toEqual([255, 0, 0]);
    // Live updates too, not just the first frame.
    server.setRootColor('#0000ff');
    await expect.poll(() => pixel(640, 400), { timeout: 20_000 }).toEqual([0, 0, 255]);
    await expect(page.locator(`${activePanel} .vnc-security`).innerText()).resolves.toMatch(/Not encrypted/);
    await expect
      .poll(() => page.locator(`${activePanel} .vnc-rate`).innerText(), { timeout: 20_000 })
      .toMatch(/^\d+(\.\d)? (B|KB|MB)\/s$/);
    await shot('none-connected');
    expect(connectionsTo(server.port)).toBe(1);
    await closeActiveTab('plain');
    // Closing the tab ends the session in main: Xvnc is left with no connection.
    await expect.poll(() => connectionsTo(server.port), { timeout: 20_000 }).toBe(0);
  });

  it('logs in with the stored password in main: the page sees only a no-password RFB 3.8 handshake', async () => {
    const server = await xvnc({ securityTypes: 'VncAuth' });
    server.setRootColor('#00ff00');
    const host = await addVncHost('secret', server);
    await api('secrets.set', host.id, 'vncPassword', server.password);
    const before = new Set(gatewayFrames.keys());
    await connect('secret');
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).toEqual([0, 255, 0]);
    const url = [...gatewayFrames.keys()].find((u) => !before.has(u));
    expect(url).toBeDefined();
    const got = Buffer.concat(gatewayFrames.get(url ?? '') ?? []);
    // RFC 6143 §7.1.1–7.1.3: version, one security type (1 = None), SecurityResult OK, then ServerInit.
    expect(got.subarray(0, 12).toString('latin1')).toBe('RFB 003.008\n');
    expect([...got.subarray(12, 14)]).toEqual([1, 1]);
    expect(got.readUInt32BE(14)).toBe(0);
    // ServerInit: width, height, 16-byte pixel format, name length, name.
    expect(got.readUInt16BE(18)).toBe(1280);
    expect(got.readUInt16BE(20)).toBe(800);
    const sent = Buffer.concat(gatewaySent.get(url ?? '') ?? []);
    expect(sent.subarray(0, 12).toString('latin1')).toBe('RFB 003.008\n');
    expect(sent[12]).toBe(1); // the page chose None: no 16-byte DES response follows
    expect(sent[13]).toBe(1); // ClientInit (shared) comes straight after
    const book = await api<unknown>('book.get');
    const pw = server.password ?? '';
    expect(pw).not.toBe('');
    expect(JSON.stringify(book)).not.toContain(pw);
    expect(apiFrames.length).toBeGreaterThan(0);
    for (const f of apiFrames) expect(f).not.toContain(pw);
    expect(got.includes(Buffer.from(pw))).toBe(false);
    await shot('vncauth-connected');
    await closeActiveTab('secret');
  });

  it('asks for a missing VNC password in a dialog, and remembers it sealed when asked to', async () => {
    const server = await xvnc({ securityTypes: 'VncAuth' });
    server.setRootColor('#008080');
    await addVncHost('asks', server);
    await connect('asks');
    const dialog = page.getByRole('dialog', {
      name: new RegExp(`^VNC password for ${server.host.replace(/\./g, '\\.')}:${server.port} \\(`),
    });
    await dialog.waitFor();
    await dialog.locator('input[type=password]').fill(server.password ?? '');
    await dialog.getByRole('checkbox', { name: /Remember/ }).check();
    await shot('password-prompt');
    await dialog.getByRole('button', { name: 'OK' }).click();
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).toEqual([0, 128, 128]);
    await closeActiveTab('asks');
    // Remembered: the second time nobody is asked, and the book only says a password is saved.
    await connect('asks');
    await waitConnected();
    expect(await dialog.count()).toBe(0);
    const book = JSON.stringify(await api<unknown>('book.get'));
    expect(book).toContain('"vncPassword":true');
    expect(book).not.toContain(server.password ?? '');
    await closeActiveTab('asks');
  });

  it('says clearly when the stored password is wrong', async () => {
    const server = await xvnc({ securityTypes: 'VncAuth' });
    const host = await addVncHost('wrong', server);
    await api('secrets.set', host.id, 'vncPassword', 'not-it-x');
    await connect('wrong');
    await page.locator(`${activePanel}[data-status=disconnected]`).waitFor({ timeout: 30_000 });
    await expect.poll(bannerText).toMatch(/did not accept the password/);
    await shot('wrong-password');
    await closeActiveTab('wrong');
  });

  it('view only: pointer moves in the page do not reach the server; unticked, they do', async () => {
    const server = await xvnc({ securityTypes: 'None', geometry: '800x600' });
    await addVncHost('viewer', server, { viewOnly: true, scaling: 'none' });
    server.x('xdotool', ['mousemove', '5', '5']);
    const where = (): string => server.x('xdotool', ['getmouselocation']).trim();
    const start = where();
    expect(start).toMatch(/^x:5 y:5 /);
    await connect('viewer');
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).not.toBeNull();
    const canvas = page.locator(`${activePanel} .session-vnc canvas`);
    const box = await canvas.boundingBox();
    if (!box) throw new Error('no canvas box');
    const sent = [...gatewaySent.values()].at(-1) ?? [];
    const sentBefore = sent.length;
    await page.mouse.move(box.x + 300, box.y + 200);
    await page.mouse.click(box.x + 310, box.y + 210);
    await canvas.focus();
    await page.keyboard.type('abc');
    await page.getByRole('checkbox', { name: 'View only' }).uncheck();
    await page.mouse.move(box.x + 400, box.y + 300);
    // Within a pixel: the canvas may sit at a fractional page offset.
    const near = (): boolean => {
      const m = /^x:(\d+) y:(\d+) /.exec(where());
      return Boolean(m) && Math.abs(Number(m?.[1]) - 400) <= 1 && Math.abs(Number(m?.[2]) - 300) <= 1;
    };
    // The later move arrived; input is ordered on one socket, so the earlier
    // view-only moves, clicks and keys would have arrived first had they been sent.
    await expect.poll(near, { timeout: 20_000 }).toBe(true);
    // And they were not sent: while view-only the page sent no KeyEvent,
    // PointerEvent or clipboard text (RFC 6143 §7.5), only update bookkeeping.
    // Playwright reports sent frames asynchronously: wait until the page's
    // frames include the unticked move, then everything before it (in send
    // order) is what the page sent while view-only.
    const messages = (): string[] => sent.slice(sentBefore).flatMap((f) => clientMessages(f));
    const isLaterMove = (m: string): boolean => {
      const p = /^pointer@(\d+),(\d+)$/.exec(m);
      return Boolean(p) && Math.abs(Number(p?.[1]) - 400) <= 1 && Math.abs(Number(p?.[2]) - 300) <= 1;
    };
    await expect.poll(() => messages().some(isLaterMove), { timeout: 20_000 }).toBe(true);
    const inViewOnly = messages().slice(0, messages().findIndex(isLaterMove));
    const allowed = new Set(['update-request', 'continuous-updates', 'fence', 'clipboard-caps']);
    expect(inViewOnly.filter((m) => !allowed.has(m))).toEqual([]);
    // The server's pointer only ever went to the one unticked position.
    expect(server.x('xdotool', ['getmouselocation'])).not.toMatch(/^x:(29\d|30\d|31\d) y:(19\d|20\d|21\d) /);
    await shot('view-only');
    await closeActiveTab('viewer');
  });

  it('reaches an Xvnc on 127.0.0.2 through a saved SSH host, trusting the host key like SSH tabs', async () => {
    const server = await xvnc({ securityTypes: 'None', host: '127.0.0.2' });
    server.setRootColor('#ffff00');
    const jump = await api<SavedHost>('hosts.create', sshHostInput('jump', sshd));
    await api('secrets.set', jump.id, 'password', sshd.password);
    await addVncHost('tunnelled', server, { viaSshHostId: jump.id });
    await connect('tunnelled');
    const keyDialog = page.getByRole('dialog', { name: 'Unknown host key' });
    await keyDialog.waitFor();
    await keyDialog.getByRole('button', { name: 'Trust and connect' }).click();
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).toEqual([255, 255, 0]);
    // The connection Xvnc holds comes from sshd, not from serve's process.
    const owners = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${server.port} )`], {
      encoding: 'utf8',
    });
    expect(owners).toMatch(/"sshd"/);
    expect(owners).not.toMatch(/"node"|"tsx"/);
    expect(sshd.log()).toMatch(/Accepted password for hostdeck-pw/);
    await shot('through-ssh');
    await closeActiveTab('tunnelled');
  });

  it('VeNCrypt TLSVnc and X509Vnc connect encrypted; the certificate is asked once', async () => {
    const tls = await xvnc({ securityTypes: 'TLSVnc' });
    tls.setRootColor('#00ffff');
    const tlsHost = await addVncHost('tls', tls);
    await api('secrets.set', tlsHost.id, 'vncPassword', tls.password);
    await connect('tls');
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).toEqual([0, 255, 255]);
    await expect(page.locator(`${activePanel} .vnc-security`).innerText()).resolves.toMatch(/^Encrypted/);
    await closeActiveTab('tls');

    const cert = makeSelfSignedCert(makeTempDir('x509'), 'test');
    expect(existsSync(cert.cert)).toBe(true);
    const x509 = await xvnc({ securityTypes: 'X509Vnc', extraArgs: x509Args(cert) });
    x509.setRootColor('#ff00ff');
    const x509Host = await addVncHost('x509', x509);
    await api('secrets.set', x509Host.id, 'vncPassword', x509.password);
    await connect('x509');
    const certDialog = page.getByRole('dialog', { name: 'Unknown VNC server certificate' });
    await certDialog.waitFor();
    const fingerprint = cert.fingerprint;
    expect(fingerprint).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    await shot('certificate-prompt');
    const dialogText = ((await certDialog.textContent()) ?? '').toUpperCase().replace(/[^0-9A-F]/g, '');
    expect(dialogText).toContain(fingerprint.replace(/:/g, ''));
    await certDialog.getByRole('button', { name: 'Trust and connect' }).click();
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).toEqual([255, 0, 255]);
    await expect(page.locator(`${activePanel} .vnc-security`).innerText()).resolves.toMatch(/^Encrypted/);
    await shot('x509-connected');
    await closeActiveTab('x509');
    // Second time: trusted, no question.
    await connect('x509');
    await waitConnected();
    expect(await certDialog.count()).toBe(0);
    await closeActiveTab('x509');
  });

  it('shows a clear disconnected state when the server dies, and reconnects to a new one', async () => {
    const first = await xvnc({ securityTypes: 'None' });
    first.setRootColor('#ff0000');
    const host = await addVncHost('dies', first);
    await connect('dies');
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).toEqual([255, 0, 0]);
    await first.kill();
    await page.locator('[role=tab][data-status=disconnected]').waitFor({ timeout: 30_000 });
    await expect
      .poll(bannerText)
      .toMatch(/^The (VNC server ended the session|connection to the VNC server was lost)\. Click Reconnect/);
    await shot('server-killed');
    const second = await xvnc({ securityTypes: 'None' });
    second.setRootColor('#0000ff');
    await api('hosts.update', { ...pick(host), port: second.port });
    await page.locator(`${activePanel} .session-banner`).getByRole('button', { name: 'Reconnect' }).click();
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).toEqual([0, 0, 255]);
    await shot('reconnected');
    await closeActiveTab('dies');
  });

  it('sends Ctrl+Alt+Del and menu keys, shares the clipboard both ways, saves a screenshot', async () => {
    const server = await xvnc({ geometry: '800x600' });
    server.setRootColor('#2e8b57');
    await addVncHost('tools', server);
    await connect('tools');
    await waitConnected();
    // At 1200 px the controls fit on one row, and the clipboard popover stays inside the window.
    const tops = await page
      .locator(`${activePanel} .vnc-toolbar > *`)
      .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
    expect(Math.max(...tops) - Math.min(...tops), `toolbar tops: ${tops.join(',')}`).toBeLessThan(10);
    await page.locator(`${activePanel} .vnc-clipboard > summary`).click();
    const popover = await page.locator(`${activePanel} .clip-panel`).boundingBox();
    expect(popover).not.toBeNull();
    expect((popover?.x ?? -1) >= 0 && (popover?.x ?? 0) + (popover?.width ?? 0) <= 1200).toBe(true);
    await shot('toolbar-clipboard-open');
    await page.locator(`${activePanel} .vnc-clipboard > summary`).click();
    const url = [...gatewaySent.keys()].at(-1) as string;
    const keyEvents = (): string[] => {
      const all = Buffer.concat(gatewaySent.get(url) ?? []);
      const out: string[] = [];
      // KeyEvent (RFC 6143 §7.5.4: type 4, down-flag, 2 padding, keysym), or
      // the QEMU extended key event noVNC prefers when the server offers it
      // (type 255, subtype 0, down u16, keysym u32, keycode u32).
      for (let i = 0; i + 8 <= all.length; i++) {
        if (all[i] === 4 && (all[i + 1] === 0 || all[i + 1] === 1) && all[i + 2] === 0 && all[i + 3] === 0)
          out.push(`${all[i + 1] ? '+' : '-'}${all.readUInt32BE(i + 4).toString(16)}`);
        else if (
          all[i] === 255 &&
          all[i + 1] === 0 &&
          i + 12 <= all.length &&
          all[i + 2] === 0 &&
          (all[i + 3] === 0 || all[i + 3] === 1)
        )
          out.push(`${all[i + 3] ? '+' : '-'}${all.readUInt32BE(i + 4).toString(16)}`);
      }
      return out;
    };
    const toolbar = page.getByRole('toolbar', { name: 'Desktop controls' });
    await toolbar.getByRole('button', { name: 'Send Ctrl+Alt+Del' }).click();
    // Only the keys this test sends (the byte scan can also see look-alikes in other messages).
    const ours = (): string =>
      keyEvents()
        .filter((k) => /^[+-](ffe3|ffe9|ffff|ff09)$/.test(k))
        .join(' ');
    await expect.poll(ours).toContain('+ffe3 +ffe9 +ffff -ffff -ffe9 -ffe3');
    await toolbar.getByRole('combobox', { name: 'Send keys' }).selectOption('altTab');
    await expect.poll(ours).toContain('+ffe9 +ff09 -ff09 -ffe9');

    // Page → server: the clipboard panel's text becomes the X clipboard.
    await toolbar.getByText('Clipboard').click();
    const panel = toolbar.getByRole('textbox', { name: /Text to paste into the remote desktop/ });
    await panel.fill('from the page ✓');
    await toolbar.getByRole('button', { name: 'Send to remote' }).click();
    await expect
      .poll(() => {
        try {
          return server.x('xclip', ['-o', '-selection', 'clipboard']);
        } catch {
          return '';
        }
      })
      .toBe('from the page ✓');
    // Server → page: text copied on the desktop shows in the panel.
    // xclip stays behind to serve the selection (until Xvnc stops): detach its output so we do not wait for it.
    execFileSync('sh', ['-c', 'printf "from the desktop" | xclip -selection clipboard >/dev/null 2>&1'], {
      env: { ...process.env, DISPLAY: server.display },
      timeout: 10_000,
    });
    await expect.poll(() => panel.inputValue(), { timeout: 20_000 }).toBe('from the desktop');

    // Screenshot: a PNG of the remote framebuffer's size.
    const download = page.waitForEvent('download');
    await toolbar.getByRole('button', { name: 'Save screenshot' }).click();
    const file = join(makeTempDir('shot'), 'shot.png');
    await (await download).saveAs(file);
    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([800, 600]);
    await shot('tools');
  });

  it('keeps a desktop name made of HTML as text in the tab title', async () => {
    const server = await xvnc({ securityTypes: 'None', desktopName: HTML_NAME });
    server.setRootColor('#808000');
    await addVncHost('named', server);
    await connect('named');
    await waitConnected();
    await expect.poll(() => pixel(), { timeout: 20_000 }).toEqual([128, 128, 0]);
    await expect.poll(() => page.getByRole('tab').first().innerText(), { timeout: 20_000 }).toContain(HTML_NAME);
    expect(await page.locator('.tab-strip img, [role=tab] img').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await shot('html-desktop-name');
    await closeActiveTab('named');
  });
});

/** Established TCP connections to a local port, whoever holds them. */
function connectionsTo(port: number): number {
  return execFileSync('ss', ['-tnH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.trim()).length;
}

/** The editable part of a saved host, for hosts.update. */
function pick(h: SavedHost): HostInput & { id: string } {
  const { createdAt: _c, updatedAt: _u, lastConnectedAt: _l, hasSecret: _s, ...input } = h;
  return input;
}

/**
 * Names the client-to-server RFB messages in a run of whole messages. Only
 * the kinds the page may send while view-only are sized; anything else is
 * named and ends the walk.
 */
function clientMessages(b: Buffer): string[] {
  const names: string[] = [];
  for (let i = 0; i < b.length;) {
    const type = b[i] ?? -1;
    if (type === 3 || type === 150) {
      names.push(type === 3 ? 'update-request' : 'continuous-updates');
      i += 10;
    } else if (type === 248) {
      names.push('fence');
      i += 9 + (b[i + 8] ?? 0);
    } else if (
      type === 6 &&
      b.length >= i + 12 &&
      b.readInt32BE(i + 4) < 0 &&
      (b.readUInt32BE(i + 8) & 0x01000000) !== 0
    ) {
      // Extended clipboard "caps" (the noVNC/TigerVNC extension): capabilities, no text.
      names.push('clipboard-caps');
      i += 8 - b.readInt32BE(i + 4);
    } else if (type === 5 && b.length >= i + 6) {
      // PointerEvent (RFC 6143 §7.5.5): type, button mask, x, y.
      names.push(`pointer@${b.readUInt16BE(i + 2)},${b.readUInt16BE(i + 4)}`);
      i += 6;
    } else if (type === 4 && b.length >= i + 8) {
      names.push('key');
      i += 8;
    } else {
      names.push(type === 4 ? 'key' : type === 5 ? 'pointer' : type === 6 ? 'clipboard-text' : `type-${type}`);
      break;
    }
  }
  return names;
}
