// The file engine: `conf` here (serve mode, tests), electron-store in the
// desktop app (main/app/store-electron.ts). Both write the same JSON file,
// atomically (write-file-atomic style via `atomically`: temp file in the
// same folder, fsync, rename) with the mode we give the temp file.
//
// conf is loaded on the first write, not at start: with ajv, semver and
// atomically it is 60–250 ms of module loading (serve mode's start here),
// and reading the book never needs it (the store reads the file itself). A
// static import would be hoisted to the top of the bundle (main/load-commonjs.ts);
// conf is ESM only, which Node's require loads since 20.19 (and Electron's).
import type ConfClass from 'conf';
import { loadOnFirstUse } from '../load-commonjs.js';

const conf = loadOnFirstUse<{ default: typeof ConfClass }>('conf');

/** The file writer under the store (conf or electron-store); the store only ever replaces the whole document. */
export interface StoreEngine {
  readonly path: string;
  /** A whole-document write: atomic, fsynced, mode 0600. */
  set store(value: Record<string, unknown>);
}

/** Where the engine writes: `<cwd>/<configName>.json`. */
export interface EngineOptions {
  cwd: string;
  configName: string;
}

/** Makes the engine for a data folder; tests pass one that fails on purpose. */
export type EngineFactory = (options: EngineOptions) => StoreEngine;

/**
 * Options every engine gets. `clearInvalidConfig: false` so the engine never
 * replaces a file it cannot read with defaults (the electron-store reset
 * class of data loss); the store checks the file itself before the engine is
 * made, and moves a bad one aside.
 */
export const ENGINE_OPTIONS = {
  configFileMode: 0o600,
  clearInvalidConfig: false,
  accessPropertiesByDotNotation: false,
  watch: false,
} as const;

/**
 * The `conf` engine: serve mode and tests. Loads conf on its first call (synchronous). Throws Node's fs errors on a
 * failed write.
 */
export const confEngine: EngineFactory = ({ cwd, configName }) =>
  new (conf().default)<Record<string, unknown>>({ ...ENGINE_OPTIONS, cwd, configName, projectName: 'hostdeck' });
