// Builds the page alone (serve mode and tests); electron-vite builds the same
// page for the desktop app from the same folder, with the same Rollup inputs
// and names (electron.vite.config.ts imports them from here).
import { defineConfig } from 'vite';
import { resolve } from 'node:path';

const renderer = resolve(import.meta.dirname, 'renderer');

/**
 * Two entries: the page, and the test hooks (renderer/src/testing/test-hooks.ts
 * says why). One build makes the modules they share into shared chunks, so
 * the hooks see the app's own instances. The hooks get a fixed file name
 * that tests can load; everything else keeps its content hash.
 */
export const rendererRollupOptions = {
  input: {
    index: resolve(renderer, 'index.html'),
    'test-hooks': resolve(renderer, 'src/testing/test-hooks.ts'),
  },
  output: {
    entryFileNames: (chunk: { name: string }): string =>
      chunk.name === 'test-hooks' ? 'assets/test-hooks.js' : 'assets/[name]-[hash].js',
  },
};

export default defineConfig({
  root: renderer,
  base: './',
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: rendererRollupOptions,
  },
});
