// A direct-tcpip channel (RFC 4254 §7.2) as a plain Duplex, so the gateway
// can carry any TCP protocol (VNC later) through an SSH connection. The
// ssh2 channel already is a Duplex with the channel window as backpressure;
// this module is the one place that opens it and names the failure.
import type { Duplex } from 'node:stream';
import type { SshConnection } from './connection.js';

/**
 * A byte stream to targetHost:targetPort as the SSH server sees it (a direct-tcpip channel, RFC 4254 §7.2), as `ssh -L`
 * would make. Rejects with SSH_DISCONNECTED, SSH_CONNECTION_REFUSED, SSH_HOST_UNREACHABLE or SSH_CHANNEL_FAILED (see
 * SshConnection.forwardOut).
 */
export async function openTunnel(conn: SshConnection, targetHost: string, targetPort: number): Promise<Duplex> {
  return conn.forwardOut(targetHost, targetPort);
}
