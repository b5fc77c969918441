// Connection sharing, like OpenSSH's ControlMaster: every channel (shell,
// tunnel) to the same host, port, user, credentials and jump chain rides one
// SSH connection. A second tab opens at channel speed and asks nothing again
// (ssh's ControlMaster idea). Refcounted: the connection closes when its last lease is
// released, and a connection that dies leaves the pool at once.
import { createHash } from 'node:crypto';
import type { SshConnection } from './connection.js';

/** Everything that makes two connections interchangeable; poolKey() turns it into a key. */
export interface PoolIdentity {
  host: string;
  port: number;
  username: string;
  /** Anything else that changes who we are to the server (key paths, agent, jump chain). */
  credentials?: readonly string[];
  /** Compared by digest only, never kept. */
  password?: string;
}

/** A stable key for an identity; secrets enter only through SHA-256. */
export function poolKey(id: PoolIdentity): string {
  const secret = id.password === undefined ? '' : createHash('sha256').update(id.password).digest('hex');
  return JSON.stringify([id.host.toLowerCase(), id.port, id.username, id.credentials ?? [], secret]);
}

/** A share in a pooled connection, held while a shell or tunnel uses it. */
export interface Lease {
  readonly connection: SshConnection;
  /** Gives the lease back; the last one closes the connection. Idempotent. */
  release(): void;
}

interface Entry {
  connecting: Promise<SshConnection>;
  refs: number;
}

/**
 * Shares one SSH connection among every channel for the same identity, like OpenSSH's ControlMaster (ssh_config(5));
 * refcounted by lease.
 */
export class ConnectionPool {
  readonly #entries = new Map<string, Entry>();

  /** Shares a live or in-flight connection for `key`, or opens one with `connect`. */
  async acquire(key: string, connect: () => Promise<SshConnection>): Promise<Lease> {
    let entry = this.#entries.get(key);
    if (!entry) {
      const fresh: Entry = { connecting: connect(), refs: 0 };
      entry = fresh;
      this.#entries.set(key, fresh);
      fresh.connecting.then(
        (conn) => conn.once('close', () => this.#forget(key, fresh)),
        () => this.#forget(key, fresh),
      );
    }
    entry.refs++;
    let conn: SshConnection;
    try {
      conn = await entry.connecting;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    let released = false;
    const held = entry;
    return {
      connection: conn,
      release: () => {
        if (released) return;
        released = true;
        held.refs--;
        if (held.refs === 0) {
          this.#forget(key, held);
          conn.close();
        }
      },
    };
  }

  /** Live entries (for tests and the UI's connection list). */
  get size(): number {
    return this.#entries.size;
  }

  /** Closes every pooled connection. */
  async closeAll(): Promise<void> {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    for (const e of all) {
      try {
        (await e.connecting).close();
      } catch {
        // It never opened.
      }
    }
  }

  #forget(key: string, entry: Entry): void {
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }
}
