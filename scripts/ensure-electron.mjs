#!/usr/bin/env node
// `npm start`'s prestart: make sure the Electron binary is there before
// electron-vite looks for it.
//
// electron (>= 42) has no postinstall: the binary is downloaded the first time
// something does require('electron'), which runs the package's own install.js
// and writes node_modules/electron/path.txt. `electron-vite dev` reads
// path.txt without ever requiring electron, so on a fresh checkout it stops
// with "Electron uninstall" (electron-vite #904). This runs that same
// install.js once, with a bound: a refused network fails at once, one that
// hangs is given up after STALL_SECONDS without a single new byte, and the
// whole download after TIMEOUT_SECONDS. Offline it prints one line pointing to
// `npm run serve` and exits 1.
//
// Plain Node on purpose: it runs before anything is built.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const STALL_SECONDS = Number(process.env.HOSTDECK_ELECTRON_STALL_SECONDS ?? 30);
const TIMEOUT_SECONDS = Number(process.env.HOSTDECK_ELECTRON_TIMEOUT_SECONDS ?? 1200);
const OFFLINE_HINT =
  'without it, `npm run serve` runs the same app in your browser (or set ELECTRON_EXEC_PATH to an Electron executable you have)';

// Someone already points electron-vite (ELECTRON_EXEC_PATH) or the electron
// package (ELECTRON_OVERRIDE_DIST_PATH) at a binary: nothing to fetch.
if (process.env.ELECTRON_EXEC_PATH || process.env.ELECTRON_OVERRIDE_DIST_PATH) process.exit(0);

const electronDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
const { version } = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8'));
const pathFile = join(electronDir, 'path.txt');
const distDir = join(electronDir, 'dist');

if (existsSync(pathFile) && existsSync(join(distDir, readFileSync(pathFile, 'utf8').trim()))) process.exit(0);

/** Total size of the files under dir (0 if it does not exist). */
function bytesUnder(dir) {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    try {
      if (e.isDirectory()) total += bytesUnder(p);
      else if (e.isFile()) total += statSync(p).size;
    } catch {
      // removed while we looked: the download moved on
    }
  }
  return total;
}

// install.js (through @electron/get) downloads into os.tmpdir(); giving it a
// temporary folder of its own lets us watch the bytes arrive.
const work = mkdtempSync(join(tmpdir(), 'hostdeck-electron-'));
const child = spawn(process.execPath, [join(electronDir, 'install.js')], {
  cwd: electronDir,
  env: { ...process.env, TMPDIR: work, TEMP: work, TMP: work, ELECTRON_GET_NO_PROGRESS: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));

const tty = process.stderr.isTTY === true;
const started = Date.now();
let lastBytes = 0;
let lastChange = started;
let announced = false;
let gaveUp = null;

const watchdog = setInterval(() => {
  // The zip grows in `work`, then is unpacked into dist/: both count as progress.
  const bytes = bytesUnder(work) + bytesUnder(distDir);
  const now = Date.now();
  if (bytes !== lastBytes) {
    lastBytes = bytes;
    lastChange = now;
    if (!announced) {
      announced = true;
      process.stderr.write(
        `Hostdeck: downloading Electron ${version} (once, into node_modules/electron)${tty ? '' : '\n'}`,
      );
    }
    if (tty)
      process.stderr.write(
        `\rHostdeck: downloading Electron ${version} (once, into node_modules/electron): ${(bytes / 1048576).toFixed(0)} MB `,
      );
  }
  if (now - lastChange > STALL_SECONDS * 1000) gaveUp = `no data for ${STALL_SECONDS} s`;
  else if (now - started > TIMEOUT_SECONDS * 1000) gaveUp = `not done after ${TIMEOUT_SECONDS} s`;
  if (gaveUp) {
    clearInterval(watchdog);
    child.kill('SIGKILL');
  }
}, 250);

// Ctrl+C: stop the download and leave no temporary folder behind.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });
}

child.on('close', (code) => {
  clearInterval(watchdog);
  rmSync(work, { recursive: true, force: true });
  if (announced && tty) process.stderr.write('\n');
  if (!gaveUp && code === 0 && existsSync(pathFile)) {
    if (announced) console.error(`Hostdeck: Electron ${version} is ready.`);
    process.exit(0);
  }
  // The first line of install.js's error ("TypeError: fetch failed",
  // "HTTPError: Response code 404 ..."), unless we stopped it ourselves.
  const reason =
    gaveUp ??
    output
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /error|fail/i.test(l)) ??
    `installer exited with ${code}`;
  console.error(`Hostdeck: could not download Electron ${version} (${reason.slice(0, 160)}); ${OFFLINE_HINT}.`);
  process.exit(1);
});
