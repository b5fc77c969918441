// The application menu with the usual shortcuts, built from Electron's roles
// so each platform gets its native accelerators and labels.
import { BrowserWindow, Menu, type MenuItemConstructorOptions } from 'electron';

/** What the application menu offers. */
export interface MenuOptions {
  /** Offer "Toggle Developer Tools": development builds only, never the packaged app (docs/SECURITY.md, Electron shell 7). */
  developerTools: boolean;
}

/**
 * The application menu from Electron roles (app menu on macOS, File, Edit, View, Window); Toggle Developer Tools only
 * when `options.developerTools`.
 */
export function buildMenu(platform: NodeJS.Platform, options: MenuOptions): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        // Terminals keep Ctrl+V for the shell (quoted insert); Ctrl+Shift+V pastes.
        {
          label: 'Paste in Terminal',
          accelerator: 'CmdOrCtrl+Shift+V',
          click: (_item, win) => {
            if (win instanceof BrowserWindow) win.webContents.paste();
          },
        },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(options.developerTools ? [{ role: 'toggleDevTools' as const }] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}
