// `npm run serve` options. The default data folder is the desktop app's own
// (Electron's userData for "Hostdeck"), so the browser and the desktop app
// share one address book; the store's lock keeps them from writing at once.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `npm run serve` options: port (0 lets the OS choose), data folder, whether to open a browser, and --help. */
export interface ServeOptions {
  port: number;
  dataDir: string;
  open: boolean;
  help: boolean;
}

/** The --help text. */
export const SERVE_USAGE = `Usage: npm run serve -- [options]

Runs Hostdeck in your browser, on this machine only (127.0.0.1).

Options:
  --port N         port to listen on (default: one the system picks)
  --data-dir DIR   where the address book lives (default: ${defaultDataDir()})
  --no-open        do not open a browser; just print the address
  -h, --help       show this help`;

/** A command-line mistake: cli.ts prints the message and the usage and exits 2, without a stack. */
export class UsageError extends Error {
  /** Always 'UsageError'. */
  override name = 'UsageError';
}

/**
 * The desktop app's own data folder, so both modes share one address book: %APPDATA%\Hostdeck on Windows,
 * ~/Library/Application Support/Hostdeck on macOS, $XDG_CONFIG_HOME/Hostdeck (default ~/.config) elsewhere.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home = homedir(),
): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'Hostdeck');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Hostdeck');
  return join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'Hostdeck');
}

/**
 * Parses `--port N`, `--data-dir DIR`, `--no-open` and `-h`/`--help` (also `--name=value`). Throws UsageError for an
 * unknown option, a missing value, or a port outside 0–65535.
 */
export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const opts: ServeOptions = { port: 0, dataDir: defaultDataDir(env), open: true, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value.`);
      return v;
    };
    switch (name) {
      case '--port': {
        const raw = value();
        const port = Number(raw);
        if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port < 0 || port > 65535)
          throw new UsageError(`--port must be a number from 0 to 65535 (got "${raw}").`);
        opts.port = port;
        break;
      }
      case '--data-dir':
        opts.dataDir = value();
        break;
      case '--no-open':
        opts.open = false;
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      default:
        throw new UsageError(`Unknown option "${arg}". Try --help.`);
    }
  }
  return opts;
}
