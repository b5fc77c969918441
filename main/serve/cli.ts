// `npm run serve`: the whole app in a browser, on this machine only. Builds
// the page if needed, opens the address book (with the serve-mode lock),
// starts the gateway and the front door, prints exactly one line (the URL
// to open) and opens it unless --no-open.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostdeckError } from '../../shared/errors.js';
import { createApi } from '../api/create-api.js';
import { Gateway } from '../gateway/gateway.js';
import { AddressBookStore } from '../store/address-book-store.js';
import { ensurePageBuilt } from './build-page.js';
import { parseServeArgs, SERVE_USAGE, UsageError } from './options.js';
import { ServeServer } from './serve-server.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(argv: readonly string[]): Promise<number> {
  let opts;
  try {
    opts = parseServeArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${SERVE_USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (opts.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const staticDir = await ensurePageBuilt(projectRoot);
  const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  let store: AddressBookStore;
  try {
    store = AddressBookStore.open({ dataDir: opts.dataDir, lock: true });
  } catch (err) {
    if (err instanceof HostdeckError) {
      process.stderr.write(`Hostdeck: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  // The gateway must know the page's origin, which is known once the front
  // door listens; the API reads the gateway lazily.
  const services: { gateway?: Gateway } = {};
  const { dispatcher: api, dispose } = createApi({
    mode: 'serve',
    version,
    gatewayPort: () => services.gateway?.port ?? 0,
    gateway: () => {
      if (!services.gateway)
        throw new HostdeckError('GATEWAY_STARTING', 'Hostdeck is still starting; try again in a moment.');
      return services.gateway;
    },
    store,
  });
  let server: ServeServer;
  try {
    server = await ServeServer.start({
      port: opts.port,
      staticDir,
      dispatcher: api,
      connectSources: () => (services.gateway ? [`ws://127.0.0.1:${services.gateway.port}`] : []),
    });
  } catch (err) {
    store.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(
        `Hostdeck: port ${opts.port} is in use. Choose another with --port, or leave it out to let the system pick one.\n`,
      );
      return 1;
    }
    throw err;
  }
  services.gateway = await Gateway.start({ allowedOrigins: server.origins });

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await dispose();
    await services.gateway?.close();
    store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  process.stdout.write(`Hostdeck is running at ${server.url}\n`);
  if (opts.open) openBrowser(server.url);
  return -1; // keep running
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // no browser here: the printed URL is enough
    child.unref();
  } catch {
    // Same: the URL is printed.
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`Hostdeck could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
