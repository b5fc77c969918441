// A hostile SFTP server on ssh2's server side, for the cases a real sshd will
// not produce: names with '/' and '..' in a listing, a listing that never
// ends, a size that lies, folders that contain themselves. It serves a tree
// described by a resolver; every login is accepted.
import ssh2 from 'ssh2';
import type { AddressInfo } from 'node:net';
import type { Connection, SFTPWrapper } from 'ssh2';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from './processes.js';

const { Server, utils } = ssh2;
const STATUS = { OK: 0, EOF: 1, NO_SUCH_FILE: 2, FAILURE: 4 } as const;

export interface FakeAttrs {
  mode: number;
  size: number;
  uid?: number;
  gid?: number;
  atime?: number;
  mtime?: number;
}

export interface FakeEntry {
  filename: string;
  attrs: FakeAttrs;
}

export type FakeNode =
  | {
      kind: 'dir';
      attrs?: Partial<FakeAttrs>;
      /** Batches of entries; called once per READDIR, null ends. */ batch: (n: number) => FakeEntry[] | null;
    }
  | { kind: 'file'; attrs: FakeAttrs; read: (offset: number, len: number) => Buffer | null }
  | { kind: 'link'; target: string };

export const DIR = 0o040755;
export const FILE = 0o100644;
export const LINK = 0o120777;

export interface FakeSftpServer {
  host: string;
  port: number;
  /** A known_hosts line for the server's key. */
  knownHostsFile: string;
  /** Requests seen, "TYPE path". */
  seen: string[];
  stop(): Promise<void>;
}

export async function startFakeSftpServer(resolve: (path: string) => FakeNode | undefined): Promise<FakeSftpServer> {
  const key = utils.generateKeyPairSync('ed25519');
  const seen: string[] = [];
  const clients = new Set<Connection>();
  const server = new Server({ hostKeys: [key.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () =>
      client.on('session', (accept) => accept().on('sftp', (acceptSftp) => serve(acceptSftp(), resolve, seen))),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const knownHostsFile = join(makeTempDir('fake-sftp'), 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${key.public}\n`);
  return {
    host: '127.0.0.1',
    port,
    knownHostsFile,
    seen,
    stop: () =>
      new Promise((r) => {
        for (const c of clients) c.end();
        server.close(() => r());
      }),
  };
}

function serve(sftp: SFTPWrapper, resolve: (path: string) => FakeNode | undefined, seen: string[]): void {
  const handles = new Map<number, { path: string; node: FakeNode; calls: number }>();
  let next = 1;
  const open = (reqid: number, path: string): void => {
    const node = resolve(path);
    if (!node) return void sftp.status(reqid, STATUS.NO_SUCH_FILE);
    const h = Buffer.alloc(4);
    h.writeUInt32BE(next);
    handles.set(next++, { path, node, calls: 0 });
    sftp.handle(reqid, h);
  };
  const byHandle = (h: Buffer) => handles.get(h.readUInt32BE(0));
  const attrsOf = (node: FakeNode): FakeAttrs =>
    node.kind === 'file'
      ? node.attrs
      : node.kind === 'dir'
        ? { mode: DIR, size: 4096, ...node.attrs }
        : { mode: LINK, size: node.target.length };
  sftp.on('REALPATH', (reqid, path) => {
    seen.push(`REALPATH ${path}`);
    const p = path === '.' ? '/' : path;
    sftp.name(reqid, [{ filename: p, longname: p, attrs: {} as never }]);
  });
  sftp.on('OPENDIR', (reqid, path) => (seen.push(`OPENDIR ${path}`), open(reqid, path)));
  sftp.on('OPEN', (reqid, path) => (seen.push(`OPEN ${path}`), open(reqid, path)));
  sftp.on('CLOSE', (reqid, h) => (handles.delete(h.readUInt32BE(0)), sftp.status(reqid, STATUS.OK)));
  sftp.on('READDIR', (reqid, h) => {
    const o = byHandle(h);
    if (!o || o.node.kind !== 'dir') return void sftp.status(reqid, STATUS.FAILURE);
    const batch = o.node.batch(o.calls++);
    if (!batch) return void sftp.status(reqid, STATUS.EOF);
    sftp.name(
      reqid,
      batch.map((e) => ({ filename: e.filename, longname: e.filename, attrs: e.attrs as never })),
    );
  });
  sftp.on('READ', (reqid, h, offset, len) => {
    const o = byHandle(h);
    if (!o || o.node.kind !== 'file') return void sftp.status(reqid, STATUS.FAILURE);
    const data = o.node.read(Number(offset), len);
    if (!data) return void sftp.status(reqid, STATUS.EOF);
    sftp.data(reqid, data);
  });
  const stat = (follow: boolean) => (reqid: number, path: string) => {
    seen.push(`${follow ? 'STAT' : 'LSTAT'} ${path}`);
    let node = resolve(path);
    for (let hops = 0; follow && node?.kind === 'link' && hops < 40; hops++) node = resolve(node.target);
    if (!node) return void sftp.status(reqid, STATUS.NO_SUCH_FILE);
    if (follow && node.kind === 'link')
      return void sftp.status(reqid, STATUS.FAILURE, 'Too many levels of symbolic links');
    sftp.attrs(reqid, attrsOf(node) as never);
  };
  sftp.on('STAT', stat(true));
  sftp.on('LSTAT', stat(false));
  sftp.on('FSTAT', (reqid, h) => {
    const o = byHandle(h);
    if (!o) return void sftp.status(reqid, STATUS.FAILURE);
    sftp.attrs(reqid, attrsOf(o.node) as never);
  });
  sftp.on('READLINK', (reqid, path) => {
    const node = resolve(path);
    if (node?.kind !== 'link') return void sftp.status(reqid, STATUS.FAILURE);
    sftp.name(reqid, [{ filename: node.target, longname: node.target, attrs: {} as never }]);
  });
  for (const ev of ['WRITE', 'FSETSTAT', 'SETSTAT', 'REMOVE', 'RMDIR', 'MKDIR', 'RENAME', 'SYMLINK'] as const)
    sftp.on(ev, (reqid: number) => sftp.status(reqid, STATUS.FAILURE));
}
