// The Electron shell with electron mocked (the binary cannot run here):
// window options, navigation and window-open refusals, IPC sender checks,
// the app:// protocol, permissions and the single-instance lock.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeElectronModule, FakeWebContents, state, type FakeBrowserWindow } from './support/fake-electron.js';
import { contentSecurityPolicy, devContentSecurityPolicy } from '../shared/csp.js';

vi.mock('electron', () => fakeElectronModule());

const { createMainWindow, lockDownContents, openExternalSafely } = await import('../main/app/window.js');
const { isTrustedFrame, setupIpc } = await import('../main/app/ipc.js');
const { desktopCsp, resolveInside } = await import('../main/app/protocol.js');
const { ApiDispatcher, noParams } = await import('../main/api/dispatcher.js');
const { IpcChannel } = await import('../shared/api/channels.js');

beforeEach(() => {
  state.windows.length = 0;
  state.openedExternal.length = 0;
  state.ipcHandlers.clear();
});

type Frame = { url: string; parent: Frame | null };
const frame = (url: string, parent: Frame | null = null): Frame => ({ url, parent });

describe('window factory', () => {
  it('every window is isolated, sandboxed, without Node or webviews', () => {
    const win = createMainWindow('/x/preload.cjs', { width: 900, height: 600 }) as unknown as FakeBrowserWindow;
    expect(win.options['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      preload: '/x/preload.cjs',
    });
  });

  it('denies navigation, redirects, webviews and new windows; opens only http(s) externally', () => {
    const contents = new FakeWebContents();
    lockDownContents(contents as never);
    for (const ev of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      contents.emit(ev, event, 'https://evil.example');
      expect(event.preventDefault, ev).toHaveBeenCalled();
    }
    for (const url of [
      'https://example.com/a',
      'http://example.org/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://share/x',
      'not a url',
    ]) {
      expect(contents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    }
    expect(state.openedExternal).toEqual(['https://example.com/a', 'http://example.org/']);
    expect(openExternalSafely('HTTPS://EXAMPLE.COM')).toBe(true);
    expect(openExternalSafely('vbscript:x')).toBe(false);
  });
});

describe('IPC', () => {
  it('trusts only the top frame of app://hostdeck (or the dev server)', () => {
    expect(isTrustedFrame(frame('app://hostdeck/index.html') as never)).toBe(true);
    expect(isTrustedFrame(frame('app://hostdeck/index.html', frame('app://hostdeck/')) as never)).toBe(false);
    expect(isTrustedFrame(frame('app://other/index.html') as never)).toBe(false);
    expect(isTrustedFrame(frame('https://hostdeck/index.html') as never)).toBe(false);
    expect(isTrustedFrame(frame('file:///x/index.html') as never)).toBe(false);
    expect(isTrustedFrame(null)).toBe(false);
    expect(isTrustedFrame(frame('http://localhost:5173/') as never, 'http://localhost:5173')).toBe(true);
    expect(isTrustedFrame(frame('http://localhost:5174/') as never, 'http://localhost:5173')).toBe(false);
    // A URL that does not parse (an about:blank-like or damaged frame) is never ours.
    expect(isTrustedFrame(frame('') as never)).toBe(false);
    expect(isTrustedFrame(frame('not a url') as never, 'http://localhost:5173')).toBe(false);
    expect(isTrustedFrame(undefined)).toBe(false);
  });

  it('refuses foreign senders before anything runs, and checks every argument', async () => {
    const info = vi.fn(() => ({ name: 'Hostdeck' }) as never);
    const dispose = setupIpc(new ApiDispatcher({ 'app.info': info }, { 'app.info': noParams }));
    const handler = state.ipcHandlers.get(IpcChannel.Invoke);
    expect(handler).toBeDefined();
    const call = (f: Frame | null, method: unknown, params: unknown): unknown =>
      handler?.({ senderFrame: f }, method, params);
    // The refusal says what happened ({ code, message }, as every API error does).
    expect(await call(frame('https://evil.example/'), 'app.info', [])).toEqual({
      ok: false,
      error: { code: 'API_FORBIDDEN', message: expect.stringMatching(/\S/) },
    });
    expect(await call(frame('not a url'), 'app.info', [])).toMatchObject({
      ok: false,
      error: { code: 'API_FORBIDDEN' },
    });
    expect(await call(frame('app://hostdeck/', frame('app://hostdeck/')), 'app.info', [])).toMatchObject({
      ok: false,
      error: { code: 'API_FORBIDDEN' },
    });
    expect(info).not.toHaveBeenCalled();
    const own = frame('app://hostdeck/index.html');
    expect(await call(own, 'app.info', [])).toEqual({ ok: true, result: { name: 'Hostdeck' } });
    expect(await call(own, 'app.info', [1])).toMatchObject({ ok: false, error: { code: 'API_BAD_REQUEST' } });
    expect(await call(own, 42, [])).toMatchObject({ ok: false, error: { code: 'API_BAD_REQUEST' } });
    expect(await call(own, 'app.info', { length: 0 })).toMatchObject({ ok: false, error: { code: 'API_BAD_REQUEST' } });
    expect(await call(own, 'fs.readFile', ['/etc/passwd'])).toMatchObject({
      ok: false,
      error: { code: 'API_UNKNOWN_METHOD' },
    });
    expect(info).toHaveBeenCalledTimes(1);
    // The disposer takes the handler away: nothing answers on the channel after it.
    dispose();
    expect(state.ipcHandlers.has(IpcChannel.Invoke)).toBe(false);
  });
});

describe('app:// protocol', () => {
  it('serves only files under the page root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hostdeck-app-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), 'x');
    writeFileSync(join(root, 'assets', 'a.js'), 'x');
    writeFileSync(join(tmpdir(), 'hostdeck-secret.txt'), 'x');
    symlinkSync(join(tmpdir(), 'hostdeck-secret.txt'), join(root, 'link.txt'));
    expect(await resolveInside(root, 'app://hostdeck/')).toBe(join(root, 'index.html'));
    expect(await resolveInside(root, 'app://hostdeck/assets/a.js')).toBe(join(root, 'assets', 'a.js'));
    // No path at all (Node's URL gives '' for a non-special scheme) is the index too, never the root folder.
    expect(await resolveInside(root, 'app://hostdeck')).toBe(join(root, 'index.html'));
    for (const url of [
      'not a url',
      'app:',
      'app://hostdeck/../../etc/passwd',
      'app://hostdeck/%2e%2e/%2e%2e/etc/passwd',
      'app://hostdeck/link.txt',
      'app://other/index.html',
      'app://hostdeck/assets',
      'app://hostdeck/%E0%A4%A',
      'http://hostdeck/index.html',
    ]) {
      expect(await resolveInside(root, url), url).toBeNull();
    }
  });

  /** The page's policy, written out whole: an added source anywhere must fail a test. */
  const policy = (connectSrc: string): string =>
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      `connect-src ${connectSrc}`,
      "worker-src 'self' blob:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; ');

  it('the page CSP allows scripts from itself only and WebSockets to the gateway only', () => {
    const csp = desktopCsp(40123);
    expect(csp).toBe(policy('ws://127.0.0.1:40123'));
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/);
  });

  it('no WebSocket sources means none, not an empty list; the dev server adds loopback WebSockets only', () => {
    expect(contentSecurityPolicy([])).toBe(policy("'none'"));
    expect(contentSecurityPolicy(['ws://127.0.0.1:1', 'ws://localhost:2'])).toBe(
      policy('ws://127.0.0.1:1 ws://localhost:2'),
    );
    // npm start (Vite's dev server): any loopback port, for hot reload and the gateway; no other host.
    expect(devContentSecurityPolicy()).toBe(policy("'self' ws://127.0.0.1:* ws://localhost:*"));
  });
});

describe('window state', () => {
  it('comes back as it was; damaged or absurd files give the default window', async () => {
    const { loadWindowState, saveWindowState, DEFAULT_BOUNDS } = await import('../main/app/window-state.js');
    const dir = mkdtempSync(join(tmpdir(), 'hostdeck-win-'));
    const path = join(dir, 'window-state.json');
    expect(loadWindowState(path)).toEqual(DEFAULT_BOUNDS);
    saveWindowState(path, { x: 40, y: 50, width: 1000, height: 700, maximized: true });
    expect(loadWindowState(path)).toEqual({ x: 40, y: 50, width: 1000, height: 700, maximized: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    for (const bad of [
      '{',
      '[]',
      '{"width":10,"height":10}',
      '{"width":"1e9","height":700}',
      '{"width":1e9,"height":700}',
      'null',
    ]) {
      writeFileSync(path, bad);
      expect(loadWindowState(path), bad).toEqual(DEFAULT_BOUNDS);
    }
    writeFileSync(path, '{"width":900,"height":600,"x":"far","y":null}');
    expect(loadWindowState(path)).toEqual({ width: 900, height: 600 });
  });
});

describe('app start-up', () => {
  it('a second instance quits at once; the first denies every permission but writing the clipboard', async () => {
    state.singleInstanceLock = false;
    vi.resetModules();
    await import('../main/app/index.js');
    expect(state.quitCalled).toBe(1);
    expect(state.readyCallbacks).toHaveLength(0);

    state.singleInstanceLock = true;
    state.quitCalled = 0;
    vi.resetModules();
    await import('../main/app/index.js');
    expect(state.quitCalled).toBe(0);
    expect(state.privilegedSchemes).toContainEqual(expect.objectContaining({ scheme: 'app' }));
    for (const resolve of state.readyCallbacks) resolve();
    await vi.waitFor(() => expect(state.windows).toHaveLength(1));
    // Closing the window remembers its bounds for the next start.
    state.windows[0]?.emit('close');
    expect(JSON.parse(readFileSync(join(state.userData, 'window-state.json'), 'utf8'))).toMatchObject({
      width: 1200,
      height: 800,
    });
    const decisions: boolean[] = [];
    const denied = [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'midi',
      'midiSysex',
      'pointerLock',
      'fullscreen',
      'openExternal',
      'display-capture',
      'hid',
      'serial',
      'usb',
      'idle-detection',
      'window-management',
      'unknown',
    ];
    for (const perm of [...denied, 'clipboard-sanitized-write'])
      state.permissionRequest?.({}, perm, (ok) => decisions.push(ok));
    expect(decisions).toEqual([...denied.map(() => false), true]);
    for (const perm of denied) expect(state.permissionCheck?.({}, perm), perm).toBe(false);
    expect(state.permissionCheck?.({}, 'clipboard-read')).toBe(false);
    expect(state.permissionCheck?.({}, 'clipboard-sanitized-write')).toBe(true);
    expect(state.windows[0]?.loadedUrl).toBe('app://hostdeck/index.html');
    expect(state.ipcHandlers.has(IpcChannel.Invoke)).toBe(true);
    expect(state.protocolHandlers.has('app')).toBe(true);
    // The address book opened through electron-store in userData, private.
    await vi.waitFor(() => expect(statSync(state.userData).mode & 0o777).toBe(0o700));
    const reply = (await state.ipcHandlers.get(IpcChannel.Invoke)?.(
      { senderFrame: { url: 'app://hostdeck/index.html', parent: null } },
      'book.get',
      [],
    )) as { ok: boolean; result: { hosts: unknown[]; path: string } };
    expect(reply.ok).toBe(true);
    expect(reply.result.hosts).toEqual([]);
    expect(reply.result.path.startsWith(state.userData)).toBe(true);
  });
});
