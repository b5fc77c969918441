// What a refused direct-tcpip channel means, for the forward's status and for
// the SOCKS reply. SshConnection.forwardOut names the connect failures
// (SSH_CONNECTION_REFUSED, SSH_HOST_UNREACHABLE) and keeps ssh2's error, with
// the RFC 4254 §5.1 reason code and the server's text, as the cause.
import { HostdeckError } from '../../shared/errors.js';
import { channelRefused } from './errors.js';
import { SOCKS_REPLY } from './socks5.js';

const ADMINISTRATIVELY_PROHIBITED = 1;
const CONNECT_FAILED = 2;

interface OpenFailure {
  reason?: number;
  text: string;
}

function openFailure(err: unknown): OpenFailure {
  const cause = err instanceof Error ? (err.cause as (Error & { reason?: unknown }) | undefined) : undefined;
  const source = cause ?? (err as (Error & { reason?: unknown }) | undefined);
  const text = (source?.message ?? '').replace(/^\(SSH\) Channel open failure: /, '');
  return typeof source?.reason === 'number' ? { reason: source.reason, text } : { text };
}

/** The forward's status error for a channel the server would not open to `target`. */
export function channelError(server: string, target: string, err: unknown): HostdeckError {
  if (err instanceof HostdeckError && err.code === 'SSH_DISCONNECTED') return err;
  const f = openFailure(err);
  return channelRefused(server, target, f.reason, f.text, err);
}

/**
 * The RFC 1928 §6 reply for a failed CONNECT: refused (0x05) and unreachable
 * (0x04) from the server's connect failure (RFC 4254 §5.1 reason 2), not
 * allowed (0x02) from "administratively prohibited" (reason 1: sshd's
 * AllowTcpForwarding or PermitOpen), general failure (0x01) for anything else.
 */
export function socksReplyFor(err: unknown): number {
  if (err instanceof HostdeckError) {
    if (err.code === 'SSH_CONNECTION_REFUSED') return SOCKS_REPLY.connectionRefused;
    if (err.code === 'SSH_HOST_UNREACHABLE') return SOCKS_REPLY.hostUnreachable;
  }
  const { reason } = openFailure(err);
  if (reason === ADMINISTRATIVELY_PROHIBITED) return SOCKS_REPLY.notAllowed;
  if (reason === CONNECT_FAILED) return SOCKS_REPLY.hostUnreachable;
  return SOCKS_REPLY.generalFailure;
}
