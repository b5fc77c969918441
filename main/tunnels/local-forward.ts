// ssh -L: each connection accepted on this machine's bind becomes one
// direct-tcpip channel (RFC 4254 §7.2) to the target as the SSH server sees it.
import type net from 'node:net';
import type { PortForward } from '../../shared/model/host.js';
import type { Carrier, ForwardHooks } from './forward.js';
import { channelError } from './channel-errors.js';
import { tcpCarrier } from './listener.js';

/**
 * `ssh -L`: listens on the bind; the SSH server connects to targetHost:targetPort.
 * A refused channel goes to hooks.refused (TUNNEL_CHANNEL_REFUSED, or SSH_DISCONNECTED).
 */
export function localCarrier(spec: PortForward, hooks: ForwardHooks): Carrier {
  const targetHost = spec.targetHost as string;
  const targetPort = spec.targetPort as number;
  const target = targetHost.includes(':') ? `[${targetHost}]:${targetPort}` : `${targetHost}:${targetPort}`;
  const conn = hooks.connection;
  const accept = (sock: net.Socket): void => {
    if (!hooks.admit()) return void sock.destroy();
    conn.forwardOut(targetHost, targetPort).then(
      (channel) => {
        // The client may have gone while the channel opened.
        if (sock.destroyed) {
          channel.destroy();
          hooks.abandon();
        } else hooks.join(sock, channel);
      },
      (err: unknown) => {
        sock.destroy();
        hooks.abandon();
        hooks.refused(channelError(`${conn.host}`, target, err));
      },
    );
  };
  return tcpCarrier(spec.bindAddress, spec.bindPort, accept);
}
