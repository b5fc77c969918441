// Builds the page alone (serve mode and tests); electron-vite builds the same
// page for the desktop app from the same folder, with the same Rollup inputs
// and names (electron.vite.config.ts imports them from here).
import { defineConfig, type HtmlTagDescriptor, type Plugin, type Rollup } from 'vite';
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
    // The entry with what it runs before the app arrives (the API client, Vite's import() helper) is one file, and
    // what the first screen needs (app-boot.ts and all it imports statically) one more: the page waits on two
    // requests, not nine. The registry the test hooks share with the app stays apart, so loading the hooks never loads
    // the app. The rest (terminal, desktop, editor, dialogs) keeps Rollup's split and loads on first use.
    codeSplitting: {
      groups: [
        { name: 'open-tabs', test: /renderer[\\/]src[\\/]ui[\\/]open-tabs\.ts$/, priority: 3 },
        { name: 'index', test: /renderer[\\/]src[\\/]main\.ts$/, priority: 2 },
        { name: 'app-boot', test: /renderer[\\/]src[\\/]app-boot\.ts$/, priority: 1 },
      ],
    },
    entryFileNames: (chunk: { name: string }): string =>
      chunk.name === 'test-hooks' ? 'assets/test-hooks.js' : 'assets/[name]-[hash].js',
  },
};

/**
 * The page's entry (renderer/src/main.ts) is small and loads the app
 * (renderer/src/app-boot.ts) with import(), so that it can open the API
 * socket first. Vite names only an entry's static imports in the HTML; this
 * names the app's chunks too (modulepreload) and its styles (a stylesheet
 * link, render-blocking as the entry's own), so the browser fetches them
 * with the entry rather than one round trip after it. The entry itself is
 * made `async`: it runs as soon as it arrives, without waiting for the
 * stylesheets or the end of parsing (main.ts waits for both before drawing).
 * Fails the build when the app chunk or the entry's script tag is missing.
 */
export function preloadAppChunks(): Plugin {
  return {
    name: 'hostdeck-preload-app',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx): { html: string; tags: HtmlTagDescriptor[] } {
        if (!ctx.bundle || !ctx.chunk) return { html, tags: [] };
        const bundle = ctx.bundle;
        const app = Object.values(bundle).find(
          (c): c is Rollup.OutputChunk =>
            c.type === 'chunk' && /renderer[/\\]src[/\\]app-boot\.ts$/.test(c.facadeModuleId ?? ''),
        );
        if (!app) throw new Error('hostdeck-preload-app: no chunk for renderer/src/app-boot.ts');
        const entryTag = /<script type="module" crossorigin src="\.\/([^"]+)"><\/script>/.exec(html);
        if (!entryTag?.[1]) throw new Error('hostdeck-preload-app: no entry <script> in index.html');
        const loaded = staticClosure(bundle, entryTag[1]);
        const files = [...staticClosure(bundle, app.fileName)].filter((f) => !loaded.has(f));
        const css = new Set(
          files.flatMap((f) => [...((bundle[f] as Rollup.OutputChunk).viteMetadata?.importedCss ?? [])]),
        );
        return {
          html: html.replace(entryTag[0], entryTag[0].replace('<script ', '<script async ')),
          tags: [
            ...files.map((f) => link({ rel: 'modulepreload', crossorigin: true, href: `./${f}` })),
            ...[...css].map((f) => link({ rel: 'stylesheet', crossorigin: true, href: `./${f}` })),
          ],
        };
      },
    },
  };
}

/** `fileName` and every chunk it imports statically, transitively. */
function staticClosure(bundle: Rollup.OutputBundle, fileName: string): Set<string> {
  const seen = new Set<string>();
  const visit = (f: string): void => {
    const c = bundle[f];
    if (seen.has(f) || c?.type !== 'chunk') return;
    seen.add(f);
    c.imports.forEach(visit);
  };
  visit(fileName);
  return seen;
}

function link(attrs: Record<string, string | boolean>): HtmlTagDescriptor {
  return { tag: 'link', attrs, injectTo: 'head' };
}

export default defineConfig({
  root: renderer,
  plugins: [preloadAppChunks()],
  base: './',
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: rendererRollupOptions,
  },
});
