// Checks that keep a loopback server reachable by the app's own page only.
// A web page the person visits can open connections to 127.0.0.1 and, through
// DNS rebinding, can even make its requests look same-origin
// (CVE-2018-7160, CVE-2018-14732, electerm GHSA-x73w-g8hx-v7rp). The Host
// header defeats rebinding; the Origin header defeats cross-site WebSockets;
// a secret token defeats other local users and processes.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Host headers a loopback server on `port` accepts. Host names are
 * case-insensitive (RFC 9110 §4.2.3), so LOCALHOST:port is ours too. A
 * hostile name that resolves to 127.0.0.1 still carries its own name here
 * (DNS rebinding: webpack-dev-server CVE-2018-14732).
 */
export function isLoopbackHost(hostHeader: string | undefined, port: number): boolean {
  const host = (hostHeader ?? '').toLowerCase();
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/**
 * True when the request's Origin is exactly one of `allowed`. Browsers always
 * send Origin on a WebSocket handshake; a missing or 'null' one is never ours
 * (cross-site WebSocket hijacking).
 */
export function isAllowedOrigin(req: IncomingMessage, allowed: ReadonlySet<string> | readonly string[]): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return false;
  return allowed instanceof Set ? allowed.has(origin) : (allowed as readonly string[]).includes(origin);
}

/**
 * Compares a presented secret with the expected one in constant time. Both
 * are hashed first so that a wrong length neither throws nor leaks the length.
 */
export function secretMatches(presented: string | null | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && presented.length === expected.length;
}
