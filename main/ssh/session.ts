// What a ticket for an SSH tab opens (main/gateway/target.ts TargetOpener):
// a shared connection from the pool, a shell on it, and the bridge. The
// connection lease is given back when the shell ends or the page goes, so the
// pool closes the connection with its last tab.
import type { GatewayLink, GatewayTarget, TargetOpener } from '../gateway/target.js';
import { ShellBridge, type BridgeOptions } from './bridge.js';
import type { SshConnection } from './connection.js';
import type { ConnectionPool } from './pool.js';
import { SshShell, type ShellOptions } from './shell.js';

/**
 * What shellTargetOpener needs: the pty size and environment, the bridge's flow-control settings, and the pooled
 * connection to open the shell on.
 */
export interface ShellTargetOptions extends ShellOptions, BridgeOptions {
  pool: ConnectionPool;
  /** poolKey() of the host's identity. */
  key: string;
  /** Opens the connection when the pool has none (SshConnection.connect or connectThrough). */
  connect: () => Promise<SshConnection>;
  /**
   * A reader of the shell's output, called once the bridge has subscribed (the session log, main/logs/session-logs.ts);
   * it only listens, never pauses.
   */
  tap?: ((shell: SshShell) => void) | undefined;
}

/**
 * A gateway TargetOpener that opens a pty shell on a pooled connection and bridges it to the page. Rejects with what
 * the pool's connect or the shell open threw (SSH_ codes); the lease is released on failure and on exit.
 */
export function shellTargetOpener(opts: ShellTargetOptions): TargetOpener {
  return async (link: GatewayLink): Promise<GatewayTarget> => {
    const lease = await opts.pool.acquire(opts.key, opts.connect);
    let shell: SshShell;
    try {
      shell = await SshShell.open(lease.connection, opts);
    } catch (err) {
      lease.release();
      throw err;
    }
    // A lost connection reaches the tab through the shell's end (SshShell 'exit', connection-lost).
    shell.once('exit', () => lease.release());
    const bridge = new ShellBridge(shell, link, opts);
    opts.tap?.(shell);
    return bridge;
  };
}
