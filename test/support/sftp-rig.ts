// The SFTP engine against a peer: a service on a pooled connection, events
// recorded, and helpers for checksums and local/remote scratch folders. The
// rig sshd runs on this machine, so "remote" folders are local folders owned
// by the key user, and tests can look at them (and plant odd names) directly.
import { createHash } from 'node:crypto';
import { createReadStream, chownSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ConnectionPool, poolKey } from '../../main/ssh/pool.js';
import { SshConnection, type ConnectOptions } from '../../main/ssh/connection.js';
import { SftpService, type SftpServiceOptions } from '../../main/sftp/service.js';
import type { SftpApiEvents, TransferItem } from '../../shared/sftp.js';
import { makeTempDir } from './processes.js';

export interface Recorded {
  event: keyof SftpApiEvents;
  payload: unknown;
}

export interface Rig {
  service: SftpService;
  sftpId: string;
  events: Recorded[];
  pool: ConnectionPool;
  /** Waits for the item to stop running; returns its final state. */
  settle(item: TransferItem | string): Promise<TransferItem>;
  dispose(): Promise<void>;
}

export async function openRig(
  connect: ConnectOptions,
  extra: Partial<SftpServiceOptions> = {},
  onEvent?: (r: Recorded) => void,
): Promise<Rig> {
  const pool = new ConnectionPool();
  const events: Recorded[] = [];
  const key = poolKey({ host: connect.host, port: connect.port ?? 22, username: connect.username });
  const service = new SftpService({
    emit: (event, payload) => {
      const r = { event, payload };
      events.push(r);
      onEvent?.(r);
    },
    lease: () => pool.acquire(key, () => SshConnection.connect(connect)),
    ...extra,
  });
  const { sftpId } = await service.open({ hostId: 'rig' }, 'rig-open', new AbortController().signal);
  return {
    service,
    sftpId,
    events,
    pool,
    settle: (item) => service.queue.settled(typeof item === 'string' ? item : item.id),
    dispose: async () => {
      await service.dispose();
      await pool.closeAll();
    },
  };
}

export function sha256File(path: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** A folder the rig's key user owns (the "remote" side). */
export function remoteDir(user: string, prefix = 'sftp-remote'): string {
  const dir = makeTempDir(prefix);
  chownSync(dir, uidOf(user), gidOf(user));
  return dir;
}

export function chownTree(path: string, user: string): void {
  execFileSync('chown', ['-R', `${user}:${user}`, path]);
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user]).toString().trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user]).toString().trim());
}

/** Writes a tree of `count` files of `size` bytes in nested folders (fan-out 10). */
export function writeTree(root: string, count: number, size: number, write: (p: string, i: number) => void): void {
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < count; i++) {
    const dir = join(root, `d${Math.floor(i / 100)}`, `e${Math.floor(i / 10) % 10}`);
    mkdirSync(dir, { recursive: true });
    write(join(dir, `f${i}.bin`), i);
  }
  void size;
}

/** Every file below root, relative path → sha256 (sorted), for comparing two trees. */
export async function treeDigest(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p, r);
      else out[r] = `${statSync(p).size}:${await sha256File(p)}`;
    }
  };
  await walk(root, '');
  return out;
}
