// Builds the page alone (serve mode and tests); electron-vite builds the same
// page for the desktop app from the same folder.
import { defineConfig } from 'vite';
import { resolve } from 'node:path';

const renderer = resolve(import.meta.dirname, 'renderer');

export default defineConfig({
  root: renderer,
  base: './',
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    target: 'es2022',
  },
});
