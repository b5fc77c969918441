// A real TigerVNC Xvnc on a loopback address, an OS-chosen RFB port and a
// display number nobody else holds. -UseBlacklist=0 matters: TigerVNC
// otherwise blacklists 127.0.0.1 after a few failed attempts and later tests
// fail mysteriously (docs/CONTRIBUTING.md, "The real-peer rig").
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureOutput, makeTempDir, startTracked, type Tracked } from './processes.js';
import { freePort, waitForBanner } from './net.js';

export const VNC_PASSWORD = 'hdvnc123';

export interface XvncOptions {
  host?: string;
  geometry?: string;
  /** TigerVNC SecurityTypes, e.g. 'None', 'VncAuth', 'TLSVnc', 'X509Vnc'. */
  securityTypes?: string;
  /** Password for VncAuth-based types (only the first 8 characters count). */
  password?: string;
  desktopName?: string;
  extraArgs?: string[];
}

export interface Xvnc {
  host: string;
  port: number;
  display: string;
  dir: string;
  password: string | undefined;
  /** Runs an X client (xsetroot, xdotool...) against this display. */
  x(cmd: string, args: string[]): string;
  /** Fills the root window with one colour, e.g. '#ff0000'. */
  setRootColor(color: string): void;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const XVNC = '/usr/bin/Xvnc';

function pickDisplay(): number {
  for (let i = 0; i < 200; i++) {
    const n = 1000 + Math.floor(Math.random() * 29000);
    if (!existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  }
  throw new Error('no free X display number');
}

export async function startXvnc(opts: XvncOptions = {}): Promise<Xvnc> {
  if (!existsSync(XVNC)) throw new Error('Xvnc not found: install tigervnc-standalone-server (.ci/run does)');
  const host = opts.host ?? '127.0.0.1';
  const securityTypes = opts.securityTypes ?? 'None';
  const dir = makeTempDir('xvnc');
  const needsPassword = /vnc|plain/i.test(securityTypes) && securityTypes !== 'None';
  const password = needsPassword ? (opts.password ?? VNC_PASSWORD) : undefined;
  const passwordFile = join(dir, 'passwd');
  if (password !== undefined) {
    writeFileSync(passwordFile, execFileSync('vncpasswd', ['-f'], { input: `${password}\n` }), { mode: 0o600 });
  }

  // Two runs may pick the same display or port at once: retry on a clash.
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const displayNo = pickDisplay();
    const port = await freePort(host);
    const args = [
      `:${displayNo}`,
      '-geometry',
      opts.geometry ?? '1280x800',
      '-depth',
      '24',
      '-rfbport',
      String(port),
      '-interface',
      host,
      '-nolisten',
      'tcp',
      '-SecurityTypes',
      securityTypes,
      '-AlwaysShared',
      '-UseBlacklist=0',
      '-desktop',
      opts.desktopName ?? 'hostdeck-test',
      ...(password !== undefined ? ['-PasswordFile', passwordFile] : []),
      ...(opts.extraArgs ?? []),
    ];
    const proc: Tracked = startTracked(XVNC, args, { cwd: dir });
    const output = captureOutput(proc.child);
    try {
      await waitForBanner(host, port, 'RFB 003.', 15000, () => proc.child.exitCode === null);
    } catch (err) {
      await proc.stop('SIGKILL');
      lastError = `${(err as Error).message}\n${output().slice(-2000)}`;
      continue;
    }
    const display = `:${displayNo}`;
    const x = (cmd: string, xargs: string[]): string =>
      execFileSync(cmd, xargs, { env: { ...process.env, DISPLAY: display }, encoding: 'utf8', timeout: 10000 });
    return {
      host,
      port,
      display,
      dir,
      password,
      x,
      setRootColor: (color) => void x('xsetroot', ['-solid', color]),
      kill: () => proc.stop('SIGKILL'),
      stop: () => proc.stop('SIGTERM'),
    };
  }
  throw new Error(`Xvnc did not start: ${lastError}`);
}
