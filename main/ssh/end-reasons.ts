// Why a login failed or an open connection ended, told truthfully for each
// cause. The codes stay those of errors.ts (SSH_AUTH_FAILED,
// SSH_DISCONNECTED), so the page and tests switch on them as before; each
// cause gets its own sentence and a `reason` in details.
import { HostdeckError } from '../../shared/errors.js';
import { authFailed, disconnected } from './errors.js';
import type { PasswordSource } from './auth.js';

/** details.reason of a DISCONNECTED error. */
export type LinkEndReason = 'connection-lost' | 'keepalive-timeout' | 'server-disconnected';

function where(host: string, port: number): string {
  return port === 22 ? host : `${host} port ${port}`;
}

function refine(base: HostdeckError, message: string, details: Record<string, unknown>, cause: unknown): HostdeckError {
  return new HostdeckError(base.code, message, { ...base.details, ...details }, { cause });
}

/**
 * DISCONNECTED, reason 'connection-lost': the TCP connection closed or broke
 * without an SSH_MSG_DISCONNECT (RFC 4253 §11.1), as when the server's
 * per-connection process dies or a route resets.
 */
export function connectionLost(host: string, port: number, cause?: unknown): HostdeckError {
  return refine(
    disconnected(host, port, cause),
    disconnected(host, port).message,
    { reason: 'connection-lost' },
    cause,
  );
}

/**
 * DISCONNECTED, reason 'keepalive-timeout': `countMax` keepalive requests
 * (RFC 4254 §4 global requests, as OpenSSH's ServerAliveInterval and
 * ServerAliveCountMax) sent `intervalMs` apart got no answer.
 */
export function keepaliveTimeout(
  host: string,
  port: number,
  intervalMs: number,
  countMax: number,
  cause?: unknown,
): HostdeckError {
  // Whole seconds, but a test's sub-second interval is not "0 s".
  const seconds = intervalMs >= 1000 ? Math.round(intervalMs / 1000) : intervalMs / 1000;
  const checks =
    countMax === 1
      ? `a keepalive check got no reply in ${seconds} s`
      : `${countMax} keepalive checks ${seconds} s apart got no reply`;
  return refine(
    disconnected(host, port, cause),
    `${where(host, port)} stopped answering: ${checks}, so Hostdeck closed the connection. The network path may be down; reconnect when the host is reachable again.`,
    { reason: 'keepalive-timeout', intervalMs, countMax },
    cause,
  );
}

/**
 * DISCONNECTED, reason 'server-disconnected': the server sent
 * SSH_MSG_DISCONNECT (RFC 4253 §11.1) with `reasonCode` and `description`.
 */
export function serverDisconnected(
  host: string,
  port: number,
  reasonCode: number,
  description: string,
  cause?: unknown,
): HostdeckError {
  return refine(
    disconnected(host, port, cause),
    `${where(host, port)} closed the connection: ${description || `reason ${reasonCode}`}.`,
    { reason: 'server-disconnected', reasonCode, description },
    cause,
  );
}

/**
 * AUTH_FAILED that says whether the refused password was the one saved for
 * the host or one the person typed (details.passwordFrom: 'saved' | 'typed'
 * | null when no password was sent).
 */
export function loginRefused(
  user: string,
  host: string,
  port: number,
  methodsTried: readonly string[],
  passwordFrom: PasswordSource | null,
): HostdeckError {
  const base = authFailed(user, host, port, methodsTried);
  const tried = methodsTried.length > 0 ? methodsTried.join(', ') : 'none';
  const lastWasPassword = methodsTried[methodsTried.length - 1] === 'password';
  const advice =
    !lastWasPassword || passwordFrom === null
      ? 'Check the user name, password or key for this host.'
      : passwordFrom === 'saved'
        ? "The password saved for this host was refused: if it changed, type the new one in the host's settings."
        : 'The password you typed was refused: check it and the user name, and try again.';
  return refine(
    base,
    `${where(host, port)} did not accept the login for "${user}" (tried: ${tried}). ${advice}`,
    { passwordFrom },
    undefined,
  );
}
