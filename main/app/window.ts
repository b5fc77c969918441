// One window factory, and the rules every web contents gets: sandboxed,
// isolated, no Node, no webviews, no navigation away, no new windows, and
// http(s) links handed to the system browser only after URL parsing.
import { BrowserWindow, shell, type WebContents } from 'electron';

/** Window position and size in screen pixels; x and y absent means "let the OS place it". */
export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized?: boolean;
}

/**
 * The renderer's sandbox: context isolation, no Node, no webviews, web security on, as Electron's security checklist
 * asks.
 */
export const SECURE_WEB_PREFERENCES = Object.freeze({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  spellcheck: false,
});

/** The main window with SECURE_WEB_PREFERENCES and the given preload script; shown once its page is ready. */
export function createMainWindow(preload: string, bounds: WindowBounds): BrowserWindow {
  const win = new BrowserWindow({
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    width: bounds.width,
    height: bounds.height,
    minWidth: 640,
    minHeight: 400,
    title: 'Hostdeck',
    show: false,
    backgroundColor: '#1e1f24',
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload },
  });
  if (bounds.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  return win;
}

/** Applied to every web contents the app creates (app 'web-contents-created'). */
export function lockDownContents(contents: WebContents): void {
  // Electron emits will-navigate for the page's own location.reload() too
  // (switching language reloads): that one, the same URL again, may proceed.
  contents.on('will-navigate', (event) => {
    if (!isReloadOf(event.url, contents.getURL())) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url);
    return { action: 'deny' };
  });
}

/** True when `target` is `current` again (ignoring the fragment): a reload, not a navigation away. */
export function isReloadOf(target: string, current: string): boolean {
  if (current === '') return false;
  try {
    const a = new URL(target);
    const b = new URL(current);
    a.hash = '';
    b.hash = '';
    return a.href === b.href;
  } catch {
    return false;
  }
}

/** Opens http(s) URLs in the system browser; anything else (file:, smb:, javascript:…) is dropped. */
export function openExternalSafely(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  void shell.openExternal(url.href);
  return true;
}
