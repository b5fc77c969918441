// The Electron shell: the only place (with preload/) that imports electron.
// onReady() calls one setupX() per feature (the electron/fiddle layout).
// Everything the services need from Electron is injected, so gateway, ssh,
// vnc and store run unchanged in plain Node (tests, serve mode).
import { app, BrowserWindow, Menu, session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ORIGIN } from '../../shared/api/channels.js';
import { createApi } from '../api/create-api.js';
import { forwardEvents, setupIpc } from './ipc.js';
import { registerAppScheme, serveAppScheme } from './protocol.js';
import { createMainWindow, lockDownContents } from './window.js';
import { buildMenu } from './menu.js';
import { openDesktopStore } from './store-electron.js';
import { Gateway } from '../gateway/gateway.js';
import { loadWindowState, saveWindowState } from './window-state.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const devUrl = process.env['ELECTRON_RENDERER_URL'];

registerAppScheme();

// One writer for the address book: a second instance hands over and quits.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
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
  app.whenReady().then(onReady, (err: unknown) => {
    console.error('Hostdeck failed to start:', err);
    app.exit(1);
  });
}

async function onReady(): Promise<void> {
  setupPermissions();
  const devOrigin = devUrl ? new URL(devUrl).origin : undefined;
  // The gateway admits exactly the page's own origin (app://hostdeck, or the
  // dev server while developing): file:// pages would send Origin: null.
  const gateway = await Gateway.start({ allowedOrigins: [APP_ORIGIN, ...(devOrigin ? [devOrigin] : [])] });
  const store = openDesktopStore();
  const { dispatcher: api, dispose } = createApi({ mode: 'desktop', version: app.getVersion(), gatewayPort: () => gateway.port, gateway: () => gateway, store });
  app.on('will-quit', () => {
    void dispose().then(() => gateway.close());
  });
  serveAppScheme(join(here, '../renderer'), () => gateway.port);
  setupIpc(api, devOrigin);
  Menu.setApplicationMenu(buildMenu(process.platform));
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

// Deny every browser permission (camera, notifications, clipboard reading…)
// except writing the clipboard, which "copy" in a terminal needs. Reading it
// stays denied: paste arrives as a paste event the person caused.
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);
function setupPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, perm, callback) => callback(ALLOWED_PERMISSIONS.has(perm)));
  session.defaultSession.setPermissionCheckHandler((_wc, perm) => ALLOWED_PERMISSIONS.has(perm));
}
