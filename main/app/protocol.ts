// The desktop app serves its page from app://hostdeck/ rather than file://,
// so that the page has a real, exact Origin the gateway can allow (file://
// pages send `Origin: null`, which the gateway must refuse), and so that every
// response carries the CSP header.
import { protocol } from 'electron';
import { readFile, realpath } from 'node:fs/promises';
import { extname } from 'node:path';
import { APP_HOST, APP_SCHEME } from '../../shared/api/channels.js';
import { contentSecurityPolicy } from '../../shared/csp.js';
import { fileUnderRoot } from '../serve/static-files.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Must run before app 'ready' (Electron's rule for privileged schemes). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** The desktop page's CSP: connections only to the gateway on ws://127.0.0.1:`gatewayPort`. */
export function desktopCsp(gatewayPort: number): string {
  return contentSecurityPolicy([`ws://127.0.0.1:${gatewayPort}`]);
}

/**
 * Serves `app://hostdeck/…` from the built page folder `root`: paths that leave it give 404, HTML gets the CSP, every
 * file gets `nosniff`.
 */
export function serveAppScheme(root: string, gatewayPort: () => number): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = await resolveInside(root, request.url);
    if (file === null) return new Response(null, { status: 404 });
    const headers: Record<string, string> = {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'X-Content-Type-Options': 'nosniff',
    };
    if (file.endsWith('.html')) headers['Content-Security-Policy'] = desktopCsp(gatewayPort());
    return new Response(await readFile(file), { status: 200, headers });
  });
}

/** The file under `root` that an app:// URL names, or null (other host, traversal, symlink escape, not a file). */
export async function resolveInside(root: string, rawUrl: string): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  return fileUnderRoot(await realpath(root), url.pathname);
}
