// Loading CommonJS packages and Node built-ins from main's ESM bundles, in
// one place. Hostdeck loads some of them by path (ssh2's internals, native
// addons) and some only on first use (ssh2 itself, node:tls), since a static
// `import` of an external package is hoisted to the top of the bundle by both
// esbuild (serve) and Rollup (electron-vite, desktop) and so runs at start.
import { createRequire } from 'node:module';

/**
 * Node's require for main's code. Not named `require`: electron-vite's ESM
 * shim declares its own `require` in the main bundle, and a second
 * declaration is a SyntaxError at start-up. Throws what require throws
 * (MODULE_NOT_FOUND, an addon's load error).
 */
export const loadCommonJs = createRequire(import.meta.url);

/**
 * A getter that loads `id` on its first call and returns the same exports
 * from then on (test/lazy-modules.test.ts checks the built bundles do not load
 * what is loaded this way at start). Throws what require throws.
 */
export function loadOnFirstUse<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= loadCommonJs(id) as T);
}
