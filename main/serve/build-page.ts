// "npm run serve builds if needed": the page is rebuilt when any source it is
// made from is newer than the built index.html, so a fresh clone (no out/)
// and an edited checkout both just work, and an unchanged one starts at once.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['renderer', 'shared', 'vite.renderer.config.ts', 'package-lock.json'];

/** The newest modification time of a file or of anything under a folder (0 when absent). */
export function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when out/renderer/index.html is missing or older than any page source under `projectRoot`. */
export function pageIsStale(projectRoot: string): boolean {
  const built = join(projectRoot, 'out', 'renderer', 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(projectRoot, s)) > builtAt);
}

/** Builds out/renderer with vite when stale; returns the folder. */
export async function ensurePageBuilt(projectRoot: string): Promise<string> {
  const outDir = join(projectRoot, 'out', 'renderer');
  if (pageIsStale(projectRoot)) {
    const { build } = await import('vite');
    await build({ configFile: join(projectRoot, 'vite.renderer.config.ts'), logLevel: 'error' });
  }
  return outDir;
}
