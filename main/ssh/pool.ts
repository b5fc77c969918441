// Connection sharing, like OpenSSH's ControlMaster: every channel (shell,
// tunnel) to the same host, port, user, credentials and jump chain rides one
// SSH connection. A second tab opens at channel speed and asks nothing again
// (ssh's ControlMaster idea). Refcounted: the connection closes when its last lease is
// released, and a connection that dies leaves the pool at once.
//
// The pool remembers, for a while, which identities lost their link (closed
// with an error rather than on purpose): the next connection opened for one
// of them is a restore, announced to subscribers, so what rode the old one
// (port forwards, file browsers) can come back with it.
import { createHash } from 'node:crypto';
import type { SshConnection } from './connection.js';
import type { HostdeckError } from '../../shared/errors.js';

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
  /** This lease's connection replaced one for the same identity whose link was lost (every lease on it). Absent: no. */
  readonly restored?: boolean;
  /** Gives the lease back; the last one closes the connection. Idempotent. */
  release(): void;
}

interface Entry {
  connecting: Promise<SshConnection>;
  refs: number;
  restored: boolean;
}

/**
 * What the pool reports: 'lost' when a pooled connection's link died (its
 * `error` says how, SSH_DISCONNECTED with details.reason), 'restored' when a
 * new connection for that identity is open.
 */
export type PoolEvent =
  { type: 'lost'; key: string; error: HostdeckError } | { type: 'restored'; key: string; connection: SshConnection };

/** How many lost identities are remembered at most (the oldest is forgotten first). */
const LOST_REMEMBERED = 256;

/**
 * Shares one SSH connection among every channel for the same identity, like OpenSSH's ControlMaster (ssh_config(5));
 * refcounted by lease.
 */
export class ConnectionPool {
  readonly #entries = new Map<string, Entry>();
  /** Identities whose last connection's link died, oldest first. */
  readonly #lost = new Set<string>();
  readonly #listeners = new Set<(ev: PoolEvent) => void>();

  /** Calls `listener` for every PoolEvent; returns the unsubscribe function. */
  subscribe(listener: (ev: PoolEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Shares a live or in-flight connection for `key`, or opens one with `connect`. */
  async acquire(key: string, connect: () => Promise<SshConnection>): Promise<Lease> {
    let entry = this.#entries.get(key);
    if (!entry) {
      const fresh: Entry = { connecting: connect(), refs: 0, restored: false };
      entry = fresh;
      this.#entries.set(key, fresh);
      fresh.connecting.then(
        (conn) => this.#opened(key, fresh, conn),
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
      restored: held.restored,
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

  /**
   * Checks every open connection now (SshConnection.probe): after the machine
   * wakes, a link that died while it slept is found in `timeoutMs`, not after
   * the keepalive's full count. Resolves when every check has answered or
   * ended its connection.
   */
  async probeAll(timeoutMs: number): Promise<void> {
    const open: Array<Promise<void>> = [];
    for (const e of this.#entries.values())
      open.push(e.connecting.then((conn) => conn.probe(timeoutMs)).catch(() => undefined));
    await Promise.all(open);
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

  #opened(key: string, entry: Entry, conn: SshConnection): void {
    // The acquire that opened it has not resumed yet: the flag is set before any lease is handed out.
    entry.restored = this.#lost.delete(key);
    conn.once('close', (err: HostdeckError | null) => {
      this.#forget(key, entry);
      if (err) this.#linkLost(key, err);
    });
    if (entry.restored) this.#emit({ type: 'restored', key, connection: conn });
  }

  #linkLost(key: string, error: HostdeckError): void {
    this.#lost.delete(key);
    this.#lost.add(key);
    if (this.#lost.size > LOST_REMEMBERED) this.#lost.delete(this.#lost.values().next().value as string);
    this.#emit({ type: 'lost', key, error });
  }

  #emit(ev: PoolEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(ev);
      } catch (err) {
        console.error('Hostdeck: a pool listener failed:', err);
      }
    }
  }

  #forget(key: string, entry: Entry): void {
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }
}
