// The Electron stand-in's `electron` module: the subset of Electron's main
// process API that Hostdeck uses, implemented on plain Node plus a real
// headless Chromium, so the BUILT main bundle (out/main/index.js) runs
// unchanged. See README.md beside this file for what it models, how, and what
// it cannot prove. The register hook (register.ts) maps `import 'electron'` to
// this file and applies the BoringSSL runtime model before the app loads.
//
// How a window works here:
// - Each BrowserWindow is a page in one Chromium the stand-in launches.
// - Chromium will not load an unregistered scheme such as app://hostdeck, so a
//   privileged scheme's URLs are served to Chromium from a loopback HTTP
//   origin (the "stand-in origin") by calling the app's OWN protocol.handle()
//   handler and relaying its Response (status, headers incl. CSP, body).
// - Where Electron would show the app:// origin, the stand-in translates back:
//   IPC sender frames report app://hostdeck/..., and WebSocket upgrades from
//   the stand-in origin leave through a loopback proxy that puts
//   `Origin: app://hostdeck` on them, as Electron's page would send. Upgrades
//   from any other origin pass unchanged (so foreign pages are still foreign).
// - The built preload (out/preload/index.cjs) runs in each window's top frame
//   before the page's scripts, with `require('electron')` giving a
//   contextBridge and an ipcRenderer bridged to ipcMain through a Playwright
//   binding. The binding reports the real calling frame (top or sub, its URL).
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createConnection, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium.js';
import { startOriginProxy, type OriginProxy } from './origin-proxy.js';
import { pageBridgeScript } from './page-bridge.js';

// ---------------------------------------------------------------- reporting

/** One line per observable event on stdout, `standin:<kind> <json>`, for tests to read. */
function report(kind: string, data: unknown): void {
  process.stdout.write(`standin:${kind} ${JSON.stringify(data)}\n`);
}

// ---------------------------------------------------------------- the app dir

const appDir = process.env['HOSTDECK_STANDIN_APP_DIR'] ?? process.cwd();
const appPackage = (() => {
  try {
    return JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
      name?: string;
      productName?: string;
      version?: string;
    };
  } catch {
    return {};
  }
})();

// ---------------------------------------------------------------- Chromium

interface Runtime {
  context: BrowserContext;
  pageServer: Server;
  pageOrigin: string;
  proxy: OriginProxy;
  profileDir: string;
}

let runtime: Promise<Runtime> | undefined;
/** The privileged scheme origin served at the stand-in origin (the first one a window loads). */
let mappedOrigin: string | undefined;

function startRuntime(): Promise<Runtime> {
  runtime ??= (async () => {
    const pageServer = createServer((req, res) => void servePage(req.url ?? '/', req.method ?? 'GET', res));
    await new Promise<void>((ok) => pageServer.listen(0, '127.0.0.1', ok));
    const pageOrigin = `http://127.0.0.1:${(pageServer.address() as { port: number }).port}`;
    const proxy = await startOriginProxy(() => (mappedOrigin ? { from: pageOrigin, to: mappedOrigin } : undefined));
    // Electron keeps Chromium's profile in the user-data folder too.
    mkdirSync(userData, { recursive: true });
    const profileDir = mkdtempSync(join(userData, 'Chromium-'));
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: process.env['HOSTDECK_STANDIN_CHROMIUM'] ?? CHROMIUM,
      headless: true,
      viewport: null,
      args: [
        ...CHROMIUM_ARGS,
        '--remote-debugging-port=0',
        `--proxy-server=http://127.0.0.1:${proxy.port}`,
        // Chromium bypasses proxies for loopback unless told not to.
        '--proxy-bypass-list=<-loopback>',
      ],
      timeout: 30_000,
    });
    await context.exposeBinding('__hostdeckStandinInvoke', (source, channel: unknown, args: unknown) =>
      ipcInvokeFromPage(source.frame, channel, args),
    );
    await context.exposeBinding('__hostdeckStandinSend', (source, channel: unknown, args: unknown) => {
      ipcSendFromPage(source.frame, channel, args);
    });
    const port = readFileSync(join(profileDir, 'DevToolsActivePort'), 'utf8').split('\n')[0];
    report('cdp', { endpoint: `http://127.0.0.1:${port}`, pageOrigin });
    return { context, pageServer, pageOrigin, proxy, profileDir };
  })();
  return runtime;
}

/** The app:// URL a stand-in page URL stands for; other URLs unchanged. */
function toAppUrl(pageUrl: string, pageOrigin: string): string {
  if (!mappedOrigin || !pageUrl.startsWith(`${pageOrigin}/`)) return pageUrl;
  return mappedOrigin + pageUrl.slice(pageOrigin.length);
}

async function servePage(path: string, method: string, res: ServerResponse): Promise<void> {
  const origin = mappedOrigin;
  const scheme = origin?.slice(0, origin.indexOf(':'));
  const handler = scheme ? protocolHandlers.get(scheme) : undefined;
  if (!origin || !handler) {
    res.writeHead(404).end();
    return;
  }
  try {
    const response = await handler(new Request(origin + path, { method }));
    const headers: Record<string, string> = {};
    response.headers.forEach((v, k) => (headers[k] = v));
    res.writeHead(response.status, headers);
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (err) {
    // Electron answers a throwing handler with a failed load (net::ERR_FAILED).
    report('protocol-error', { path, message: (err as Error).message });
    res.destroy();
  }
}

// ---------------------------------------------------------------- app

const readyWaiters: Array<() => void> = [];
let ready = false;
let quitting = false;
const userData = process.env['HOSTDECK_STANDIN_USER_DATA'] ?? mkdtempSync(join(tmpdir(), 'hostdeck-standin-userdata-'));

class App extends EventEmitter {
  readonly commandLine = { appendSwitch: (): void => undefined, hasSwitch: (): boolean => false };
  get isPackaged(): boolean {
    return process.env['HOSTDECK_STANDIN_PACKAGED'] === '1';
  }
  get name(): string {
    return appPackage.productName ?? appPackage.name ?? 'Electron';
  }
  getName(): string {
    return this.name;
  }
  getVersion(): string {
    return appPackage.version ?? '0.0.0';
  }
  getAppPath(): string {
    return appDir;
  }
  getLocale(): string {
    return 'en-US';
  }
  getPath(name: string): string {
    if (name === 'userData' || name === 'appData' || name === 'sessionData') return userData;
    if (name === 'temp') return tmpdir();
    if (name === 'exe') return process.execPath;
    return process.env['HOME'] ?? tmpdir();
  }
  isReady(): boolean {
    return ready;
  }
  whenReady(): Promise<void> {
    return ready ? Promise.resolve() : new Promise((ok) => readyWaiters.push(ok));
  }
  requestSingleInstanceLock(): boolean {
    return singleInstance.acquire();
  }
  releaseSingleInstanceLock(): void {
    singleInstance.release();
  }
  setAppUserModelId(): void {}
  /** Electron's order: before-quit, windows close, will-quit, quit. Each of the first and third can be cancelled. */
  quit(): void {
    if (quitting) return;
    quitting = true;
    const before = {
      defaultPrevented: false,
      preventDefault(): void {
        this.defaultPrevented = true;
      },
    };
    this.emit('before-quit', before);
    if (before.defaultPrevented) {
      quitting = false;
      return;
    }
    void (async () => {
      for (const win of [...windows]) await win.closeForQuit();
      const will = {
        defaultPrevented: false,
        preventDefault(): void {
          this.defaultPrevented = true;
        },
      };
      this.emit('will-quit', will);
      if (will.defaultPrevented) {
        quitting = false;
        report('quit-prevented', {});
        return;
      }
      this.emit('quit', {}, 0);
      finish(0);
    })();
  }
  exit(code = 0): void {
    report('exit', { code });
    finish(code);
  }
  focus(): void {}
  hide(): void {}
  show(): void {}
}

// Once 'quit' has fired (or on app.exit), Electron's process ends: JavaScript
// work still pending (an un-awaited cleanup) does not get to run. Chromium is
// killed by Playwright's own exit handler.
function finish(code: number): void {
  singleInstance.release();
  process.exit(code);
}

process.on('exit', () => {
  void runtime?.then((r) => r.pageServer.close());
});

export const app = new App();

// Electron's single-instance lock is Chromium's ProcessSingleton: a
// `SingletonLock` in the user-data folder naming the owner's pid, and a socket
// on which the owner hears later instances. A lock whose owner is gone is
// stale and taken over.
const singleInstance = new (class {
  #server: NetServer | undefined;
  readonly #lock = join(userData, 'SingletonLock');
  readonly #socket = join(userData, 'SingletonSocket');
  acquire(): boolean {
    if (this.#server) return true;
    const owner = this.#owner();
    if (owner !== undefined && owner !== process.pid) {
      const socket = createConnection(this.#socket);
      socket.on('error', () => undefined);
      socket.end(JSON.stringify(process.argv.slice(2)));
      return false;
    }
    try {
      writeFileSync(this.#lock, String(process.pid));
      rmSync(this.#socket, { force: true });
    } catch {
      // No user-data folder: Electron cannot take the lock either.
      return false;
    }
    const server = createNetServer((socket: Socket) => {
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('end', () => {
        let argv: unknown = [];
        try {
          argv = JSON.parse(data);
        } catch {
          // A malformed message still means "someone started again".
        }
        report('second-instance', { argv });
        app.emit('second-instance', {}, argv, process.cwd(), {});
      });
    });
    server.listen(this.#socket);
    server.unref();
    this.#server = server;
    return true;
  }
  /** The pid of a live owner, if any. */
  #owner(): number | undefined {
    try {
      const pid = Number(readFileSync(this.#lock, 'utf8'));
      if (!(pid > 0)) return undefined;
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }
  release(): void {
    if (!this.#server) return;
    this.#server.close();
    this.#server = undefined;
    rmSync(this.#lock, { force: true });
  }
})();

// ---------------------------------------------------------------- protocol

type ProtocolHandler = (request: Request) => Response | Promise<Response>;
const protocolHandlers = new Map<string, ProtocolHandler>();
const privilegedSchemes = new Set<string>();

export const protocol = {
  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges?: { standard?: boolean } }>): void {
    // Electron: "This method can only be used before the ready event of the app module gets emitted".
    if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    for (const s of schemes) if (s.privileges?.standard) privilegedSchemes.add(s.scheme);
    report('schemes', schemes);
  },
  handle(scheme: string, handler: ProtocolHandler): void {
    if (!ready) throw new Error('protocol.handle must be called after app is ready');
    // A start-up failure on demand, for the test that start-up failures end the process.
    if (process.env['HOSTDECK_STANDIN_FAIL'] === 'protocol.handle')
      throw new Error(`The protocol '${scheme}' could not be registered (stand-in: HOSTDECK_STANDIN_FAIL)`);
    protocolHandlers.set(scheme, handler);
  },
  unhandle(scheme: string): void {
    protocolHandlers.delete(scheme);
  },
  isProtocolHandled(scheme: string): boolean {
    return protocolHandlers.has(scheme);
  },
};

// ---------------------------------------------------------------- ipcMain

type InvokeHandler = (event: unknown, ...args: unknown[]) => unknown;
const invokeHandlers = new Map<string, InvokeHandler>();

class IpcMain extends EventEmitter {
  handle(channel: string, handler: InvokeHandler): void {
    if (invokeHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    invokeHandlers.set(channel, handler);
  }
  handleOnce(channel: string, handler: InvokeHandler): void {
    this.handle(channel, (...a) => (invokeHandlers.delete(channel), handler(...a)));
  }
  removeHandler(channel: string): void {
    invokeHandlers.delete(channel);
  }
}
export const ipcMain = new IpcMain();

/** What Electron's WebFrameMain offers that Hostdeck reads: url, parent, top. */
interface FrameView {
  url: string;
  parent: FrameView | null;
  top: FrameView;
  isMainFrame: boolean;
}

function frameView(frame: Frame, pageOrigin: string): FrameView {
  const parentFrame = frame.parentFrame();
  const parent = parentFrame ? frameView(parentFrame, pageOrigin) : null;
  const view: FrameView = {
    url: toAppUrl(frame.url(), pageOrigin),
    parent,
    top: undefined as unknown as FrameView,
    isMainFrame: parent === null,
  };
  view.top = parent ? parent.top : view;
  return view;
}

async function ipcInvokeFromPage(frame: Frame, channel: unknown, args: unknown): Promise<unknown> {
  const r = await startRuntime();
  const handler = typeof channel === 'string' ? invokeHandlers.get(channel) : undefined;
  if (!handler) return { __standinError: `No handler registered for '${String(channel)}'` };
  const sender = windows.find((w) => w.page === frame.page())?.webContents;
  const event = { senderFrame: frameView(frame, r.pageOrigin), sender, frameId: 0, processId: 0 };
  try {
    return { value: await handler(event, ...(Array.isArray(args) ? args : [])) };
  } catch (err) {
    return { __standinError: String((err as Error)?.message ?? err) };
  }
}

function ipcSendFromPage(frame: Frame, channel: unknown, args: unknown): void {
  void startRuntime().then((r) => {
    if (typeof channel !== 'string') return;
    const event = {
      senderFrame: frameView(frame, r.pageOrigin),
      sender: windows.find((w) => w.page === frame.page())?.webContents,
    };
    ipcMain.emit(channel, event, ...(Array.isArray(args) ? args : []));
  });
}

// ---------------------------------------------------------------- windows

let nextId = 1;
const windows: BrowserWindow[] = [];

interface NavigationEvent {
  url: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}

class WebContents extends EventEmitter {
  readonly id: number;
  #window: BrowserWindow;
  #destroyed = false;
  #windowOpenHandler: ((d: { url: string }) => { action: string }) | undefined;
  #sendChain: Promise<unknown> = Promise.resolve();
  constructor(window: BrowserWindow, id: number) {
    super();
    this.#window = window;
    this.id = id;
  }
  get session(): typeof session.defaultSession {
    return session.defaultSession;
  }
  setWindowOpenHandler(handler: (d: { url: string }) => { action: string }): void {
    this.#windowOpenHandler = handler;
  }
  /** @internal asks the app's handler about a window.open / target=_blank. */
  decideWindowOpen(url: string): string {
    const decision = this.#windowOpenHandler?.({ url })?.action ?? 'allow';
    report('window-open', { url, decision });
    return decision;
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.#destroyed) throw new Error('Object has been destroyed');
    this.#sendChain = this.#sendChain
      .then(async () => {
        const page = await this.#window.pageReady;
        await page.evaluate(
          ([c, a]) =>
            (
              globalThis as unknown as { __hostdeckStandinDeliver?: (c: unknown, a: unknown) => void }
            ).__hostdeckStandinDeliver?.(c, a),
          [channel, args] as const,
        );
      })
      // A page between loads has no listeners: Electron drops the message too.
      .catch(() => undefined);
  }
  isDestroyed(): boolean {
    return this.#destroyed;
  }
  getURL(): string {
    return this.#window.appUrl;
  }
  reload(): void {
    void this.#window.pageReady.then((p) => p.reload());
  }
  paste(): void {}
  copy(): void {}
  openDevTools(): void {
    report('devtools', { id: this.id });
  }
  async executeJavaScript(code: string): Promise<unknown> {
    const page = await this.#window.pageReady;
    return page.evaluate(code);
  }
  /** @internal */
  markDestroyed(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.emit('destroyed');
  }
}

export class BrowserWindow extends EventEmitter {
  static getAllWindows(): BrowserWindow[] {
    return [...windows];
  }
  static getFocusedWindow(): BrowserWindow | null {
    return windows[0] ?? null;
  }
  static fromWebContents(contents: unknown): BrowserWindow | null {
    return windows.find((w) => w.webContents === contents) ?? null;
  }
  readonly id: number;
  readonly webContents: WebContents;
  readonly options: Record<string, unknown>;
  /** The page this window draws in; @internal */
  readonly pageReady: Promise<Page>;
  page: Page | undefined;
  appUrl = '';
  #bounds: { x: number; y: number; width: number; height: number };
  #maximized = false;
  #minimized = false;
  #destroyed = false;
  #programmaticLoad = false;
  #shownOnce = false;

  constructor(options: Record<string, unknown> = {}) {
    super();
    if (!ready) throw new Error('Cannot create BrowserWindow before app is ready');
    this.id = nextId++;
    this.options = options;
    this.#bounds = {
      x: Number(options['x'] ?? 0),
      y: Number(options['y'] ?? 0),
      width: Number(options['width'] ?? 800),
      height: Number(options['height'] ?? 600),
    };
    this.webContents = new WebContents(this, this.id);
    windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
    app.emit('browser-window-created', {}, this);
    report('window', { id: this.id, webPreferences: options['webPreferences'] });
    this.pageReady = this.#openPage();
    this.pageReady.catch((err: unknown) => report('window-error', { id: this.id, message: (err as Error).message }));
  }

  async #openPage(): Promise<Page> {
    const r = await startRuntime();
    const page = await r.context.newPage();
    this.page = page;
    await page.setViewportSize({ width: this.#bounds.width, height: this.#bounds.height });
    const prefs = (this.options['webPreferences'] ?? {}) as { preload?: string };
    if (prefs.preload) await page.addInitScript({ content: pageBridgeScript(readFileSync(prefs.preload, 'utf8')) });
    page.on('console', (m) => report('console', { id: this.id, type: m.type(), text: m.text() }));
    page.on('pageerror', (e) => report('pageerror', { id: this.id, message: e.message }));
    page.on('popup', (popup) => {
      if (this.webContents.decideWindowOpen(popup.url()) === 'deny') void popup.close();
    });
    page.on('close', () => this.#closedByUser());
    page.on('load', () => {
      this.appUrl = toAppUrl(page.url(), r.pageOrigin);
      this.webContents.emit('did-finish-load');
      if (!this.#shownOnce) {
        this.#shownOnce = true;
        this.emit('ready-to-show');
      }
    });
    // Navigations the page starts (links, location.href, reload) ask the
    // app first, as Electron's will-navigate does; loadURL() does not.
    await page.route('**/*', async (route) => {
      const req = route.request();
      if (!req.isNavigationRequest() || req.frame() !== page.mainFrame()) return route.continue();
      if (this.#programmaticLoad) {
        this.#programmaticLoad = false;
        return route.continue();
      }
      const url = toAppUrl(req.url(), r.pageOrigin);
      const event: NavigationEvent = {
        url,
        defaultPrevented: false,
        preventDefault(): void {
          this.defaultPrevented = true;
        },
      };
      this.webContents.emit('will-navigate', event, url);
      report('will-navigate', { id: this.id, url, prevented: event.defaultPrevented });
      return event.defaultPrevented ? route.abort('aborted') : route.continue();
    });
    return page;
  }

  async loadURL(url: string): Promise<void> {
    const r = await startRuntime();
    const page = await this.pageReady;
    const parsed = new URL(url);
    let target = url;
    if (privilegedSchemes.has(parsed.protocol.slice(0, -1))) {
      // Node's URL gives non-special schemes an opaque origin ("null"); a
      // standard scheme in Electron has scheme://host as its origin.
      const origin = `${parsed.protocol}//${parsed.host}`;
      mappedOrigin ??= origin;
      if (origin !== mappedOrigin)
        throw new Error(`stand-in serves one privileged origin (${mappedOrigin}), not ${origin}`);
      target = r.pageOrigin + parsed.pathname + parsed.search + parsed.hash;
    }
    report('load', { id: this.id, url, pageUrl: target });
    this.#programmaticLoad = true;
    await page.goto(target);
  }
  loadFile(path: string): Promise<void> {
    return this.loadURL(`file://${resolve(path)}`);
  }
  show(): void {
    report('show', { id: this.id });
  }
  hide(): void {}
  focus(): void {}
  isMinimized(): boolean {
    return this.#minimized;
  }
  restore(): void {
    this.#minimized = false;
  }
  minimize(): void {
    this.#minimized = true;
  }
  maximize(): void {
    this.#maximized = true;
  }
  unmaximize(): void {
    this.#maximized = false;
  }
  isMaximized(): boolean {
    return this.#maximized;
  }
  isDestroyed(): boolean {
    return this.#destroyed;
  }
  getBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this.#bounds };
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    return { ...this.#bounds };
  }
  setBounds(b: Partial<{ x: number; y: number; width: number; height: number }>): void {
    this.#bounds = { ...this.#bounds, ...b };
  }
  setTitle(): void {}
  setMenuBarVisibility(): void {}
  /** Asks the page's 'close' listeners, then closes (Electron's close()). */
  close(): void {
    const event = {
      defaultPrevented: false,
      preventDefault(): void {
        this.defaultPrevented = true;
      },
    };
    this.emit('close', event);
    if (event.defaultPrevented) return;
    void this.page?.close();
  }
  destroy(): void {
    void this.page?.close();
  }
  /** @internal */
  async closeForQuit(): Promise<void> {
    this.emit('close', { preventDefault(): void {} });
    await this.page?.close().catch(() => undefined);
    this.#closedByUser();
  }
  #closedByUser(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const i = windows.indexOf(this);
    if (i >= 0) windows.splice(i, 1);
    this.webContents.markDestroyed();
    this.emit('closed');
    report('closed', { id: this.id });
    if (windows.length === 0 && !quitting) {
      // Electron quits on the last window unless someone listens.
      if (app.listenerCount('window-all-closed') > 0) app.emit('window-all-closed');
      else app.quit();
    }
  }
}

// ---------------------------------------------------------------- session, menu, shell, dialog, safeStorage

type PermissionRequest = (wc: unknown, permission: string, callback: (ok: boolean) => void, details?: unknown) => void;
type PermissionCheck = (wc: unknown, permission: string, origin?: string, details?: unknown) => boolean;
let permissionRequest: PermissionRequest | undefined;
let permissionCheck: PermissionCheck | undefined;

export const session = {
  defaultSession: {
    setPermissionRequestHandler(fn: PermissionRequest | null): void {
      permissionRequest = fn ?? undefined;
      report('permission-handler', { request: !!fn });
    },
    setPermissionCheckHandler(fn: PermissionCheck | null): void {
      permissionCheck = fn ?? undefined;
      report('permission-handler', { check: !!fn });
    },
    /** @internal what the app answers for a permission (tests ask through the report channel). */
    askPermission(permission: string): boolean | undefined {
      if (!permissionRequest && !permissionCheck) return undefined;
      let answer: boolean | undefined;
      permissionRequest?.({}, permission, (ok) => (answer = ok));
      return answer ?? permissionCheck?.({}, permission);
    },
  },
};

interface MenuItemOptions {
  role?: string;
  label?: string;
  type?: string;
  accelerator?: string;
  submenu?: MenuItemOptions[];
}
export const Menu = {
  buildFromTemplate(template: MenuItemOptions[]): { items: MenuItemOptions[] } {
    return { items: template };
  },
  setApplicationMenu(menu: { items: MenuItemOptions[] } | null): void {
    const flat = (items: MenuItemOptions[]): string[] =>
      items.flatMap((i) => [i.role ?? i.label ?? i.type ?? '?', ...(i.submenu ? flat(i.submenu) : [])]);
    report('menu', { items: menu ? flat(menu.items) : null });
  },
};

export const shell = {
  openExternal(url: string): Promise<void> {
    report('open-external', { url });
    return Promise.resolve();
  },
};

export const dialog = {
  showErrorBox(title: string, content: string): void {
    report('dialog', { kind: 'error', title, content });
  },
  showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
    report('dialog', { kind: 'message', options: args[args.length - 1] });
    return Promise.resolve({ response: 0, checkboxChecked: false });
  },
  showMessageBoxSync(...args: unknown[]): number {
    report('dialog', { kind: 'message', options: args[args.length - 1] });
    return 0;
  },
  /**
   * The person's answer, scripted by the test: the first entry of the JSON
   * list in HOSTDECK_STANDIN_DIALOG_ANSWERS (a file the test writes) is
   * taken and removed; no file or an empty list is a cancelled dialog. The
   * options are reported, so a test sees what the app asked for.
   */
  showOpenDialog(...args: unknown[]): Promise<{ canceled: boolean; filePaths: string[] }> {
    report('dialog', { kind: 'open', options: args[args.length - 1] });
    const file = process.env['HOSTDECK_STANDIN_DIALOG_ANSWERS'];
    let answers: string[][] = [];
    try {
      answers = file ? (JSON.parse(readFileSync(file, 'utf8')) as string[][]) : [];
    } catch {
      answers = [];
    }
    const next = answers.shift();
    if (file && next) writeFileSync(file, JSON.stringify(answers));
    return Promise.resolve(next ? { canceled: false, filePaths: next } : { canceled: true, filePaths: [] });
  },
};

// Linux with no keyring, the case Hostdeck must refuse (basic_text).
export const safeStorage = {
  isEncryptionAvailable: (): boolean => false,
  getSelectedStorageBackend: (): string => 'basic_text',
  encryptString(): Buffer {
    throw new Error('Encryption is not available.');
  },
  decryptString(): string {
    throw new Error('Decryption is not available.');
  },
};

// powerMonitor: Electron's docs say it cannot be used before the app is
// ready (it throws then). A test simulates a sleep and wake by sending the
// stand-in SIGUSR2: 'suspend', then 'resume', as the OS reports them.
class PowerMonitor extends EventEmitter {
  override on(event: string, listener: (...args: unknown[]) => void): this {
    if (!ready) throw new Error('The powerMonitor module cannot be used before the app is ready.');
    return super.on(event, listener);
  }
}
export const powerMonitor = new PowerMonitor();
process.on('SIGUSR2', () => {
  report('power', { event: 'suspend' });
  powerMonitor.emit('suspend');
  report('power', { event: 'resume' });
  powerMonitor.emit('resume');
});

export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: false, themeSource: 'system' });

// Renderer-only modules are undefined in Electron's main process.
export const contextBridge = undefined;
export const ipcRenderer = undefined;

const electron = {
  app,
  BrowserWindow,
  ipcMain,
  protocol,
  session,
  Menu,
  shell,
  dialog,
  safeStorage,
  nativeTheme,
  powerMonitor,
  contextBridge,
  ipcRenderer,
};
export default electron;

// ---------------------------------------------------------------- start-up

// Electron keeps its process alive after an uncaught exception in main and
// shows "A JavaScript error occurred in the main process" (no window opens):
// the ghost process that then holds the single-instance lock.
process.on('uncaughtException', (err) => {
  report('dialog', {
    kind: 'error',
    title: 'A JavaScript error occurred in the main process',
    content: String(err?.stack ?? err),
  });
});
process.on('unhandledRejection', (err) => {
  report('unhandled-rejection', { message: String((err as Error)?.stack ?? err) });
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => app.quit());

/** Called by boot.ts once the app's main module has been evaluated. */
export function emitReady(): void {
  if (ready) return;
  ready = true;
  app.emit('will-finish-launching');
  app.emit('ready', {}, {});
  for (const w of readyWaiters.splice(0)) w();
}
