// The application menu with the usual shortcuts, built from Electron's roles
// so each platform gets its native accelerators and labels.
import { BrowserWindow, Menu, type MenuItemConstructorOptions } from 'electron';

export function buildMenu(platform: NodeJS.Platform): Menu {
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
        { role: 'toggleDevTools' },
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
