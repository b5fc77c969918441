// Runs the real `npm run serve` entry (main/serve/cli.ts) as a child process
// with its own data folder and HOME, and reads the one URL line it prints.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, mkdirSync, statSync } from 'node:fs';
import { newestMtime } from '../../main/serve/build-page.js';
import { join } from 'node:path';
import { captureOutput, makeTempDir, startTracked, type Tracked } from './processes.js';

const root = join(import.meta.dirname, '..', '..');
/** What `npm run serve` runs: the bundle that globalSetup builds (npm run build:serve). */
const CLI = join(root, 'out', 'serve', 'cli.mjs');

export interface ServeProcess {
  url: string;
  origin: string;
  dataDir: string;
  home: string;
  /** Everything it printed on stdout (the contract: exactly one line). */
  stdout(): string;
  stop(): Promise<void>;
}

export function makeHome(): string {
  const home = makeTempDir('home');
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  return home;
}

/**
 * A fresh home (makeHome) holding a copy of `keyFile` as ~/.ssh/rig_key, mode
 * 0600 (ssh2, like OpenSSH, is given only files their owner alone reads).
 */
export function homeWithKey(keyFile: string): { home: string; keyPath: string } {
  const home = makeHome();
  const keyPath = join(home, '.ssh', 'rig_key');
  copyFileSync(keyFile, keyPath);
  chmodSync(keyPath, 0o600);
  return { home, keyPath };
}

/** Builds the serve bundle when it is missing or older than main/ and shared/ (globalSetup already did for tests). */
export function ensureServeBuilt(): void {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  if (built > Math.max(newestMtime(join(root, 'main')), newestMtime(join(root, 'shared')))) return;
  execFileSync('npm', ['run', '--silent', 'build:serve'], { cwd: root, stdio: 'inherit' });
}

export async function startServe(opts: { dataDir?: string; home?: string } = {}): Promise<ServeProcess> {
  ensureServeBuilt();
  const dataDir = opts.dataDir ?? mkdtempSync(join(makeTempDir('serve'), 'data-'));
  const home = opts.home ?? makeHome();
  const proc: Tracked = startTracked(process.execPath, [CLI, '--no-open', '--data-dir', dataDir], {
    cwd: root,
    env: { ...process.env, HOME: home, SSH_AUTH_SOCK: '' },
  });
  let out = '';
  proc.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await printedUrl(proc);
  return { url, origin: new URL(url).origin, dataDir, home, stdout: () => out, stop: () => proc.stop('SIGTERM') };
}

/**
 * The URL line serve prints once it listens ("Hostdeck is running at …"):
 * rejects, with everything it printed, when it exits first or prints none in 60 s.
 */
export function printedUrl(proc: Tracked): Promise<string> {
  const output = captureOutput(proc.child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 60 s:\n${output()}`)), 60_000);
    const check = (): void => {
      const m = /Hostdeck is running at (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)\n/.exec(output());
      if (!m?.[1]) return;
      clearTimeout(timer);
      resolve(m[1]);
    };
    proc.child.stdout?.on('data', check);
    proc.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before printing its URL:\n${output()}`));
    });
  });
}
