// Reconnecting by itself after a link drops: when to try again, and whether
// a failure may be tried again at all. One rule for the page's tabs
// (renderer/src/ui/auto-reconnect.ts) and main's forwards with no terminal
// open (main/tunnels/forward-retry.ts). No Node or DOM here.
//
// The waits grow (1, 2, 5, 10, then every 30 s), so a host that is down for
// long gets a try every half minute, not a flood. Only failures of the link
// are tried again: a refused login, a changed or revoked host key, a refused
// certificate or a cancelled question stop for good, since every automatic
// try of a login would count against the server's MaxAuthTries and a lockout
// policy (fail2ban, pam_faillock) could lock the account.

/** Seconds to wait before each try; the last repeats. */
export const RECONNECT_SCHEDULE_S: readonly number[] = [1, 2, 5, 10, 30];

/**
 * Error codes that mean the link (or the server behind it) was not there:
 * worth another try. Every other code stops automatic reconnecting.
 */
const LINK_FAILURES: ReadonlySet<string> = new Set([
  'SSH_DISCONNECTED',
  'SSH_CONNECTION_REFUSED',
  'SSH_HOST_UNREACHABLE',
  'SSH_TIMEOUT',
  'VNC_CONNECTION_REFUSED',
  'VNC_HOST_UNREACHABLE',
  'VNC_HOST_NOT_FOUND',
  'VNC_SERVER_CLOSED',
  'VNC_TIMEOUT',
  'GATEWAY_STARTING',
]);

/** Whether a failure with `code` may be tried again by itself (never a login, host key or certificate refusal). */
export function mayRetry(code: string | undefined): boolean {
  return code !== undefined && LINK_FAILURES.has(code);
}
