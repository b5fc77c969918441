// ssh -R: the SSH server listens on the bind (RFC 4254 §7.1 "tcpip-forward")
// and opens a forwarded-tcpip channel per connection it accepts; each is
// joined to a new TCP connection to the target on this machine. Several
// remote forwards can share one connection, so the channels are routed by
// the address and port the server reports (ssh2 reports the port as bound
// when 0 was asked).
import net from 'node:net';
import type { ClientChannel } from 'ssh2';
import type { PortForward } from '../../shared/model/host.js';
import type { ForwardedConnection, SshConnection } from '../ssh/connection.js';
import type { Carrier, ForwardHooks } from './forward.js';
import { disconnected } from '../ssh/errors.js';
import { remoteRefused, targetUnreachable } from './errors.js';

type Route = (info: ForwardedConnection, accept: () => ClientChannel, reject: () => void) => void;

/** Per connection: "address:port" → the forward that asked the server to listen there. */
const routes = new WeakMap<SshConnection, Map<string, Route>>();

function routeKey(address: string, port: number): string {
  return `${address}:${port}`;
}

function addRoute(conn: SshConnection, key: string, route: Route): void {
  let table = routes.get(conn);
  if (table === undefined) {
    const fresh = new Map<string, Route>();
    table = fresh;
    routes.set(conn, fresh);
    conn.forwardedHandler = (info, accept, reject) => {
      const r = fresh.get(routeKey(info.destIP, info.destPort));
      if (r === undefined) reject();
      else r(info, accept, reject);
    };
  }
  table.set(key, route);
}

function removeRoute(conn: SshConnection, key: string): void {
  const table = routes.get(conn);
  table?.delete(key);
  if (table?.size === 0) {
    routes.delete(conn);
    conn.forwardedHandler = undefined;
  }
}

/**
 * `ssh -R`: listen() sends tcpip-forward (RFC 4254 §7.1) and resolves the port as bound;
 * throws TUNNEL_REMOTE_REFUSED, or SSH_DISCONNECTED when the link drops meanwhile.
 * A target here that does not answer is TUNNEL_TARGET_UNREACHABLE, through hooks.refused.
 */
export function remoteCarrier(spec: PortForward, hooks: ForwardHooks): Carrier {
  const conn = hooks.connection;
  const targetHost = spec.targetHost as string;
  const targetPort = spec.targetPort as number;
  let bound: { key: string; port: number } | undefined;
  const route: Route = (_info, accept, reject) => {
    if (!hooks.admit()) return reject();
    const sock = net.connect({ host: targetHost, port: targetPort, allowHalfOpen: true });
    sock.setNoDelay(true);
    const sockOnError = (err: NodeJS.ErrnoException): void => {
      reject();
      hooks.abandon();
      hooks.refused(targetUnreachable(targetHost, targetPort, err));
    };
    sock.once('error', sockOnError);
    sock.once('connect', () => {
      sock.removeListener('error', sockOnError);
      sock.on('error', () => sock.destroy());
      hooks.join(sock, accept());
    });
  };
  return {
    listen: async () => {
      let port: number;
      try {
        port = await conn.forwardIn(spec.bindAddress, spec.bindPort);
      } catch (err) {
        if (err instanceof Error && err.name === 'HostdeckError') throw err;
        // ssh2 answers a request still pending when the link drops with "No response from server".
        if (conn.state !== 'open') throw disconnected(conn.host, conn.port, err);
        throw remoteRefused(conn.host, spec.bindAddress, spec.bindPort, err);
      }
      bound = { key: routeKey(spec.bindAddress, port), port };
      addRoute(conn, bound.key, route);
      return { address: spec.bindAddress, port };
    },
    close: async () => {
      if (bound === undefined) return;
      removeRoute(conn, bound.key);
      const port = bound.port;
      bound = undefined;
      await conn.unforwardIn(spec.bindAddress, port);
    },
  };
}
