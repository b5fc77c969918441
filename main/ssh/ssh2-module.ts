// ssh2, loaded the first time an SSH connection is made or a key file is
// parsed, not when the process starts. Loading it costs tens of milliseconds
// (its protocol, key parser and agent modules, asn1, bcrypt-pbkdf, tweetnacl,
// the native binding), which serve mode and the desktop app would otherwise
// pay before showing anything, whether or not the person ever opens SSH.
//
// Only a value import of ssh2 loads it; `import type` from 'ssh2' is erased
// and stays free. A static `import ssh2 from 'ssh2'` would not do here: both
// bundlers (esbuild for serve, Rollup through electron-vite for the desktop)
// keep ssh2 external and hoist its import to the top of the bundle, so it
// would load at start again (main/load-commonjs.ts).
// test/lazy-modules.test.ts checks the built bundles.
import type * as Ssh2 from 'ssh2';
import { loadOnFirstUse } from '../load-commonjs.js';

/** ssh2's exports (Client, utils, ...): what `import ssh2 from 'ssh2'` gives. */
export type Ssh2Module = typeof Ssh2;

/**
 * ssh2's exports, loading the package on the first call (synchronous; later calls return the same object). Throws
 * what Node's require throws when the package is missing (MODULE_NOT_FOUND), which an install makes impossible.
 */
export const ssh2: () => Ssh2Module = loadOnFirstUse<Ssh2Module>('ssh2');
