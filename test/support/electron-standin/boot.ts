// The stand-in's entry, in the place of Electron's own: takes the app path
// (`.` as electron-vite and `electron .` pass it, or a file), finds the main
// script the way Electron does (package.json "main"), runs it, then emits
// 'ready'. A main script that fails to load is reported the way Electron
// reports it, and, as in Electron, the process stays up.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = process.argv.find((a, i) => i >= 2 && !a.startsWith('-')) ?? '.';
const target = resolve(arg);
let entry = target;
if (existsSync(target) && statSync(target).isDirectory()) {
  process.env['HOSTDECK_STANDIN_APP_DIR'] ??= target;
  const pkg = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as { main?: string };
  entry = join(target, pkg.main ?? 'index.js');
}
const electron = (await import('electron')) as unknown as {
  emitReady(): void;
  dialog: { showErrorBox(t: string, c: string): void };
};
try {
  await import(pathToFileURL(entry).href);
  setImmediate(() => electron.emitReady());
} catch (err) {
  electron.dialog.showErrorBox('A JavaScript error occurred in the main process', String((err as Error)?.stack ?? err));
  // Electron keeps running with no window; so does the stand-in.
  setInterval(() => undefined, 1 << 30);
}
