// Serves the built page (out/renderer) and nothing else: no directory
// listing, no path outside the root, no symlink escapes, GET/HEAD only.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * Serves files under one folder (resolved through symlinks once, at start): no path may leave it, and `headers` adds
 * per-file headers (the CSP on HTML).
 */
export class StaticFiles {
  readonly #root: string;
  readonly #headers: (path: string) => Record<string, string>;

  /** `headers` adds per-file headers (the CSP goes on HTML). */
  constructor(root: string, headers: (path: string) => Record<string, string>) {
    this.#root = realpathSync(root);
    this.#headers = headers;
  }

  /**
   * Answers the request; returns false (and writes nothing) when no file matches. The file is read at once, not
   * streamed: the page's files are small (the largest, the terminal's, ~0.6 MB), and a stream's open, reads and close
   * each wait for a thread of Node's pool, which on a busy machine kept the page's first files waiting 100+ ms.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = this.#resolve(req.url ?? '/');
    if (path === null) return false;
    let body: Buffer;
    try {
      body = readFileSync(path);
    } catch {
      return false;
    }
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': body.length,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': path.endsWith('.html') ? 'no-store' : 'max-age=3600',
      ...this.#headers(path),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  #resolve(url: string): string | null {
    let encoded: string;
    try {
      encoded = new URL(url, 'http://x').pathname;
    } catch {
      return null;
    }
    return fileUnderRoot(this.#root, encoded);
  }
}

/**
 * The regular file under `root` (a realpath) that a URL path names, or null:
 * percent-decoding that fails, NUL bytes, traversal out of the root, a
 * symlink that leads out of it, and anything not a file are all refused.
 * A path ending in "/" means its index.html. Shared by serve mode and the
 * desktop app's app:// protocol.
 */
export function fileUnderRoot(root: string, encodedPath: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(encodedPath);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  if (pathname === '' || pathname.endsWith('/')) pathname += 'index.html';
  const candidate = normalize(join(root, pathname));
  if (!candidate.startsWith(root + sep)) return null;
  try {
    // realpath: a symlink inside the root must not lead outside it.
    const real = realpathSync(candidate);
    return real.startsWith(root + sep) && statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}
