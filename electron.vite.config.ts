import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { devContentSecurityPolicy } from './shared/csp.js';
import { preloadAppChunks, rendererRollupOptions } from './vite.renderer.config.js';

// main/, preload/ and renderer/ build from their own folders (not src/).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: { entry: resolve('main/app/index.ts'), formats: ['es'] },
      rollupOptions: { external: ['bufferutil', 'utf-8-validate', 'cpu-features'] },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be CommonJS.
      lib: { entry: resolve('preload/index.ts'), formats: ['cjs'] },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [devCspMeta(), preloadAppChunks()],
    build: {
      outDir: resolve('out/renderer'),
      target: 'es2022',
      // The page and the test hooks, named as in the serve build.
      rollupOptions: rendererRollupOptions,
    },
  },
});

/** Puts the dev policy in a <meta> tag while the dev server runs (no header there); builds get none. */
function devCspMeta(): Plugin {
  return {
    name: 'hostdeck-dev-csp',
    apply: 'serve',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: devContentSecurityPolicy() },
        injectTo: 'head-prepend',
      },
    ],
  };
}
