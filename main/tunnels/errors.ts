// Every error the port-forward engine raises, made here with a stable
// TUNNEL_ code (shared/errors.ts) and a sentence saying what happened and
// what to do (docs/CONTRIBUTING.md, "Code"). Other tunnel modules never build messages.
import { HostdeckError } from '../../shared/errors.js';

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Listening on this machine failed: EADDRINUSE is its own code, anything else TUNNEL_BIND_FAILED. */
export function bindFailed(address: string, port: number, err: NodeJS.ErrnoException): HostdeckError {
  if (err.code === 'EADDRINUSE')
    return new HostdeckError(
      'TUNNEL_PORT_IN_USE',
      `Port ${port} on ${address} is already in use by another program, so this forward cannot listen there. Stop that program or choose another port.`,
      { address, port },
      { cause: err },
    );
  const why =
    err.code === 'EACCES'
      ? 'only the administrator may use ports below 1024 here'
      : err.code === 'EADDRNOTAVAIL'
        ? 'this machine has no such address'
        : err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
          ? 'the name does not resolve to an address of this machine'
          : (err.code ?? err.message);
  return new HostdeckError(
    'TUNNEL_BIND_FAILED',
    `This forward could not listen on ${hostPort(address, port)}: ${why}.`,
    { address, port, errno: err.code ?? null },
    { cause: err },
  );
}

/**
 * The server answered SSH_MSG_REQUEST_FAILURE to tcpip-forward. That
 * message carries no reason (RFC 4254 §4, §7.1), so this names what sshd
 * decides it by, as ssh(1) does ("remote port forwarding failed").
 */
export function remoteRefused(server: string, address: string, port: number, cause: unknown): HostdeckError {
  return new HostdeckError(
    'TUNNEL_REMOTE_REFUSED',
    `${server} refused to listen on ${hostPort(address, port)} for this remote forward. The SSH protocol gives no reason; on the server, sshd_config decides: AllowTcpForwarding must be "yes" or "remote", PermitListen must allow the port, GatewayPorts must allow a non-loopback address, and the port must be free there.`,
    { server, address, port },
    { cause },
  );
}

/** RFC 4254 §5.1 reason codes, as OpenSSH words them. */
const OPEN_FAILURE_REASONS: Record<number, string> = {
  1: 'administratively prohibited (the server does not allow forwarding: AllowTcpForwarding or PermitOpen)',
  2: 'connect failed',
  3: 'unknown channel type',
  4: 'resource shortage',
};

/** The server refused a channel of a running forward; its reason code and text are quoted. */
export function channelRefused(
  server: string,
  target: string,
  reason: number | undefined,
  text: string,
  cause: unknown,
): HostdeckError {
  const why =
    reason === undefined ? text : `${OPEN_FAILURE_REASONS[reason] ?? `reason ${reason}`}${text ? `: ${text}` : ''}`;
  return new HostdeckError(
    'TUNNEL_CHANNEL_REFUSED',
    `${server} refused to open a channel to ${target}: ${why}.`,
    { server, target, reason: reason ?? null, serverText: text },
    { cause },
  );
}

/** A remote forward's connection reached this machine, but its target here did not answer. */
export function targetUnreachable(address: string, port: number, err: NodeJS.ErrnoException): HostdeckError {
  return new HostdeckError(
    'TUNNEL_TARGET_UNREACHABLE',
    `A connection arrived through the remote forward, but ${hostPort(address, port)} on this machine did not accept it (${err.code ?? err.message}). Start the program that should listen there.`,
    { address, port, errno: err.code ?? null },
    { cause: err },
  );
}

/** TUNNEL_TOO_MANY_CHANNELS: a forward already carries `limit` channels; the newest is closed, the forward goes on. */
export function tooManyChannels(limit: number): HostdeckError {
  return new HostdeckError(
    'TUNNEL_TOO_MANY_CHANNELS',
    `This forward already carries ${limit} connections, its limit; the newest was closed. Close some, or use another forward.`,
    { limit },
  );
}

/** TUNNEL_UNKNOWN_FORWARD: the host has no saved forward with that id (deleted, or never saved). */
export function unknownForward(hostName: string, forwardId: string): HostdeckError {
  return new HostdeckError(
    'TUNNEL_UNKNOWN_FORWARD',
    `"${hostName}" has no port forward "${forwardId}" (it may have been deleted).`,
    { forwardId },
  );
}
