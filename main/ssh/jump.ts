// Jump hosts, like OpenSSH's ProxyJump: connect to the first hop, open a
// direct-tcpip channel (RFC 4254 §7.2) from it to the next, and run the next
// SSH connection over that channel. Every hop is verified against its own
// name and key, so a hop can never vouch for the host behind it.
import { SshConnection, type ConnectOptions } from './connection.js';

/**
 * How to log in at one jump hop (ProxyJump, ssh_config(5)): everything ConnectOptions has but `sock`, which the
 * previous hop supplies.
 */
export type HopOptions = Omit<ConnectOptions, 'sock'>;

/**
 * Connects through `hops` (first = nearest) to `target`. The returned
 * connection owns the hops: closing it (or losing it) closes them, last first.
 */
export async function connectThrough(hops: readonly HopOptions[], target: HopOptions): Promise<SshConnection> {
  const opened: SshConnection[] = [];
  const closeAll = (): void => {
    for (const c of [...opened].reverse()) c.close();
  };
  try {
    let previous: SshConnection | null = null;
    for (const opts of [...hops, target]) {
      const sock = previous ? await previous.forwardOut(opts.host, opts.port ?? 22) : undefined;
      const conn: SshConnection = await SshConnection.connect(sock ? { ...opts, sock } : opts);
      opened.push(conn);
      previous = conn;
    }
  } catch (err) {
    closeAll();
    throw err;
  }
  const final = opened[opened.length - 1] as SshConnection;
  final.once('close', () => {
    for (const c of opened.slice(0, -1).reverse()) c.close();
  });
  return final;
}
