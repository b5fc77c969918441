// The one mock the project allows: Electron itself (its binary cannot be
// downloaded here). Records what the shell asks of Electron so tests can
// assert on window options, handlers and refusals.
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeElectronState {
  windows: FakeBrowserWindow[];
  ipcHandlers: Map<string, (...args: unknown[]) => unknown>;
  openedExternal: string[];
  privilegedSchemes: unknown[];
  protocolHandlers: Map<string, (req: { url: string }) => Promise<Response>>;
  permissionRequest?: (wc: unknown, perm: string, cb: (ok: boolean) => void) => void;
  permissionCheck?: (wc: unknown, perm: string) => boolean;
  singleInstanceLock: boolean;
  quitCalled: number;
  appEvents: EventEmitter;
  readyCallbacks: Array<() => void>;
  menu: unknown;
  /** app.getPath('userData'): a fresh folder per test file. */
  userData: string;
}

export const state: FakeElectronState = {
  windows: [],
  ipcHandlers: new Map(),
  openedExternal: [],
  privilegedSchemes: [],
  protocolHandlers: new Map(),
  singleInstanceLock: true,
  quitCalled: 0,
  appEvents: new EventEmitter(),
  readyCallbacks: [],
  menu: undefined,
  userData: mkdtempSync(join(tmpdir(), 'hostdeck-userdata-')),
};

export class FakeWebContents extends EventEmitter {
  windowOpenHandler?: (d: { url: string }) => { action: string };
  sent: unknown[][] = [];
  destroyed = false;
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  url = 'app://hostdeck/index.html';
  getURL(): string {
    return this.url;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static getAllWindows(): FakeBrowserWindow[] {
    return state.windows;
  }
  options: Record<string, unknown>;
  webContents = new FakeWebContents();
  loadedUrl?: string;
  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
    state.windows.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  maximized = false;
  maximize(): void {
    this.maximized = true;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  getNormalBounds(): { x: number; y: number; width: number; height: number } {
    const o = this.options as { x?: number; y?: number; width: number; height: number };
    return { x: o.x ?? 10, y: o.y ?? 20, width: o.width, height: o.height };
  }
  show(): void {}
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
}

export function fakeElectronModule(): Record<string, unknown> {
  const named = fakeElectronNamed();
  // electron-store does `import electron from 'electron'`; the shell imports names.
  return { ...named, default: named };
}

function fakeElectronNamed(): Record<string, unknown> {
  const app = Object.assign(state.appEvents, {
    requestSingleInstanceLock: () => state.singleInstanceLock,
    quit: () => void state.quitCalled++,
    exit: () => undefined,
    getVersion: () => '0.0.0-test',
    getPath: (_name: string) => state.userData,
    whenReady: () => new Promise<void>((resolve) => state.readyCallbacks.push(resolve)),
  });
  return {
    app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain: {
      handle: (channel: string, fn: (...args: unknown[]) => unknown) => state.ipcHandlers.set(channel, fn),
      removeHandler: (channel: string) => state.ipcHandlers.delete(channel),
      on: () => undefined,
    },
    // Linux without a keyring: the store must refuse it and ask for a master password.
    safeStorage: {
      isEncryptionAvailable: () => false,
      getSelectedStorageBackend: () => 'basic_text',
      encryptString: () => {
        throw new Error('unavailable');
      },
      decryptString: () => {
        throw new Error('unavailable');
      },
    },
    shell: { openExternal: (url: string) => (state.openedExternal.push(url), Promise.resolve()) },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => state.privilegedSchemes.push(...s),
      handle: (scheme: string, fn: (req: { url: string }) => Promise<Response>) =>
        state.protocolHandlers.set(scheme, fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: FakeElectronState['permissionRequest']) => (state.permissionRequest = fn),
        setPermissionCheckHandler: (fn: FakeElectronState['permissionCheck']) => (state.permissionCheck = fn),
      },
    },
    powerMonitor: { on: () => undefined },
    Menu: {
      buildFromTemplate: (t: unknown) => ({ template: t }),
      setApplicationMenu: (m: unknown) => (state.menu = m),
    },
  };
}
