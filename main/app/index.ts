// The Electron shell: the only place (with preload/) that imports electron.
// onReady() calls one setupX() per feature (the electron/fiddle layout).
// Everything the services need from Electron is injected, so gateway, ssh,
// vnc and store run unchanged in plain Node (tests, serve mode).
import { app, BrowserWindow, dialog, ipcMain, Menu, powerMonitor, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ORIGIN, IpcChannel } from '../../shared/api/channels.js';
import type { LocalPickPurpose } from '../../shared/sftp.js';
import { createApi } from '../api/create-api.js';
import { forwardEvents, isTrustedFrame, setupIpc } from './ipc.js';
import { registerAppScheme, serveAppScheme } from './protocol.js';
import { createMainWindow, lockDownContents } from './window.js';
import { buildMenu } from './menu.js';
import { openDesktopStore } from './store-electron.js';
import { Gateway } from '../gateway/gateway.js';
import { loadWindowState, saveWindowState } from './window-state.js';

const here = fileURLToPath(new URL('.', import.meta.url));
// electron-vite's dev server, during development only. A packaged app never
// reads it: whatever origin it named would get the whole API and be admitted
// by the gateway (docs/SECURITY.md, Electron shell 7).
const devUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];

try {
  start();
} catch (err) {
  failStart(err);
}

function start(): void {
  registerAppScheme();
  // One writer for the address book: a second instance hands over and quits.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('web-contents-created', (_e, contents) => lockDownContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // .catch after .then: an error thrown inside onReady must end the process
  // too, or an invisible instance keeps the single-instance lock and every
  // later launch quits at once.
  app.whenReady().then(onReady).catch(failStart);
}

/** A start-up failure: say so in a native dialog, then exit (docs/SECURITY.md, Electron shell 8). */
function failStart(err: unknown): void {
  const detail = err instanceof Error ? err.message : String(err);
  console.error('Hostdeck failed to start:', err);
  try {
    dialog.showErrorBox(
      'Hostdeck could not start',
      `${detail}\n\nIf this keeps happening, start Hostdeck from a terminal to see more, or use "npm run serve".`,
    );
  } finally {
    app.exit(1);
  }
}

async function onReady(): Promise<void> {
  setupPermissions();
  const devOrigin = devUrl ? new URL(devUrl).origin : undefined;
  // The gateway admits exactly the page's own origin (app://hostdeck, or the
  // dev server while developing): file:// pages would send Origin: null.
  const gateway = await Gateway.start({ allowedOrigins: [APP_ORIGIN, ...(devOrigin ? [devOrigin] : [])] });
  const store = openDesktopStore();
  const {
    dispatcher: api,
    dispose,
    localHandles,
    resumed,
  } = createApi({
    mode: 'desktop',
    version: app.getVersion(),
    gatewayPort: () => gateway.port,
    gateway: () => gateway,
    store,
    // The file browser's local files come only from this dialog (and OS drops): the page never names a path.
    pickLocal,
    // The session-logs folder, too, is chosen only here: the page never names a path main writes to.
    logFolder: {
      pickFolder: async () => {
        const r = await dialog.showOpenDialog({ properties: ['openDirectory', 'createDirectory'] });
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
      openFolder: async (path) => void (await shell.openPath(path)),
    },
  });
  setupDrops(localHandles, devOrigin);
  setupWake(resumed);
  setupCleanQuit(async () => {
    await dispose();
    await gateway.close();
    store.close();
  });
  serveAppScheme(join(here, '../renderer'), () => gateway.port);
  setupIpc(api, devOrigin);
  Menu.setApplicationMenu(buildMenu(process.platform, { developerTools: !app.isPackaged }));
  const statePath = join(app.getPath('userData'), 'window-state.json');
  const open = (): void => {
    const win = createMainWindow(join(here, '../preload/index.cjs'), loadWindowState(statePath));
    // Normal bounds, so a maximized window comes back maximized over the size it had before.
    win.on('close', () => saveWindowState(statePath, { ...win.getNormalBounds(), maximized: win.isMaximized() }));
    forwardEvents(api, win.webContents);
    void win.loadURL(devUrl ?? `${APP_ORIGIN}/index.html`);
  };
  open();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
}

/** The native open dialog for the file browser, modal to the focused window: absolute paths, [] when cancelled. */
async function pickLocal(purpose: LocalPickPurpose): Promise<string[]> {
  const properties: Array<'openFile' | 'openDirectory' | 'multiSelections' | 'createDirectory'> =
    purpose === 'upload-files'
      ? ['openFile', 'multiSelections']
      : purpose === 'upload-folder'
        ? ['openDirectory', 'multiSelections']
        : ['openDirectory', 'createDirectory'];
  const win = BrowserWindow.getFocusedWindow();
  const r = win ? await dialog.showOpenDialog(win, { properties }) : await dialog.showOpenDialog({ properties });
  return r.canceled ? [] : r.filePaths;
}

/**
 * OS drops: the preload sends the paths webUtils.getPathForFile gave for a
 * trusted drop, main answers handles (docs/SFTP.md, "Desktop OS drops").
 * Only our page's top frame is heard; anything but a short list of absolute
 * path strings is ignored.
 */
function setupDrops(localHandles: (paths: string[]) => unknown[], devOrigin: string | undefined): void {
  ipcMain.handle(IpcChannel.Drop, (event, paths: unknown) => {
    if (!isTrustedFrame(event.senderFrame, devOrigin) || !Array.isArray(paths) || paths.length > 10_000) return [];
    return localHandles(paths.filter((p): p is string => typeof p === 'string' && p.length > 0 && p.length < 4096));
  });
}

// After sleep a link may be dead while its keepalive has not yet noticed:
// the API checks every connection and tells the page. powerMonitor may be
// used only once the app is ready (Electron's powerMonitor docs), as here.
function setupWake(resumed: () => void): void {
  powerMonitor.on('resume', resumed);
}

// Electron does not wait for promises in 'will-quit' listeners: hold the quit
// until sessions are closed, the gateway is down and the last save is on
// disk, then quit for real. A cleanup that fails still lets the app quit.
function setupCleanQuit(cleanup: () => Promise<void>): void {
  let state: 'running' | 'cleaning' | 'done' = 'running';
  app.on('will-quit', (event) => {
    if (state === 'done') return;
    event.preventDefault();
    if (state === 'cleaning') return;
    state = 'cleaning';
    void cleanup()
      .catch((err: unknown) => console.error('Hostdeck: cleanup on quit failed:', err))
      .finally(() => {
        state = 'done';
        app.quit();
      });
  });
}

// Deny every browser permission (camera, notifications, clipboard reading…)
// except writing the clipboard, which "copy" in a terminal needs. Reading it
// stays denied: paste arrives as a paste event the person caused.
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);
function setupPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, perm, callback) => callback(ALLOWED_PERMISSIONS.has(perm)));
  session.defaultSession.setPermissionCheckHandler((_wc, perm) => ALLOWED_PERMISSIONS.has(perm));
}
