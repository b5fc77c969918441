// ssh -D: a SOCKS5 server (RFC 1928, CONNECT only, no authentication) on
// this machine's bind. Each CONNECT becomes a direct-tcpip channel; a domain
// name goes to the SSH server as text and is resolved there, so DNS queries
// travel through the tunnel too. A client gets HANDSHAKE_TIMEOUT_MS to
// finish its handshake, and is never buffered beyond the handshake's bounded
// size (MAX_HANDSHAKE_BYTES plus the one chunk that carried it).
import type net from 'node:net';
import type { PortForward } from '../../shared/model/host.js';
import type { Carrier, ForwardHooks } from './forward.js';
import { channelError, socksReplyFor } from './channel-errors.js';
import { tcpCarrier } from './listener.js';
import { MAX_HANDSHAKE_BYTES, SOCKS_REPLY, Socks5Handshake, socksReply, type SocksStep } from './socks5.js';

/** As OpenSSH's client gives a SOCKS client no limit, a silent one would hold a socket forever: 10 s. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * `ssh -D`: a SOCKS5 listener on the bind. A failed channel is answered with its
 * RFC 1928 §6 reply (socksReplyFor) and shown in the status as TUNNEL_CHANNEL_REFUSED;
 * a client silent for `handshakeMs` mid-handshake is dropped.
 */
export function dynamicCarrier(spec: PortForward, hooks: ForwardHooks, handshakeMs = HANDSHAKE_TIMEOUT_MS): Carrier {
  return tcpCarrier(spec.bindAddress, spec.bindPort, (sock) => socksClient(sock, hooks, handshakeMs));
}

function socksClient(sock: net.Socket, hooks: ForwardHooks, handshakeMs: number): void {
  const handshake = new Socks5Handshake();
  let received = 0;
  const timer = setTimeout(() => sock.destroy(), handshakeMs);
  const finish = (): void => {
    clearTimeout(timer);
    sock.removeListener('data', sockOnData);
    sock.removeListener('close', sockOnClose);
  };
  const sockOnClose = (): void => finish();
  const sockOnData = (chunk: Buffer): void => {
    received += chunk.length;
    for (const step of handshake.push(chunk)) {
      if (step.kind === 'reply') sock.write(step.reply);
      else return void (finish(), settle(sock, step, hooks));
    }
    // Still handshaking after more than a handshake can hold: not a SOCKS client.
    if (received > MAX_HANDSHAKE_BYTES) {
      finish();
      sock.destroy();
    }
  };
  sock.on('data', sockOnData);
  sock.once('close', sockOnClose);
  sock.resume();
}

function settle(sock: net.Socket, step: Exclude<SocksStep, { kind: 'reply' }>, hooks: ForwardHooks): void {
  sock.pause();
  if (step.kind === 'refuse') return step.reply ? endWith(sock, step.reply) : void sock.destroy();
  if (!hooks.admit()) return endWith(sock, socksReply(SOCKS_REPLY.generalFailure));
  const conn = hooks.connection;
  const target = step.host.includes(':') ? `[${step.host}]:${step.port}` : `${step.host}:${step.port}`;
  conn.forwardOut(step.host, step.port).then(
    (channel) => {
      if (sock.destroyed) {
        channel.destroy();
        return hooks.abandon();
      }
      sock.write(socksReply(SOCKS_REPLY.succeeded));
      if (step.rest.length > 0) channel.write(step.rest);
      hooks.join(sock, channel, step.rest.length);
    },
    (err: unknown) => {
      hooks.abandon();
      hooks.refused(channelError(conn.host, target, err));
      if (!sock.destroyed) endWith(sock, socksReply(socksReplyFor(err)));
    },
  );
}

/** Sends the last reply and closes: the socket is paused and half-open allowed, so it would not close by itself. */
function endWith(sock: net.Socket, reply: Buffer): void {
  sock.once('finish', () => sock.destroy());
  sock.end(reply);
}
