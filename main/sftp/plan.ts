// What one transfer item will move: its files (with their sanitised local
// names) and folders, made before any byte moves, so a folder's item knows
// its totals up front. Unsafe remote names and links become skipped files
// here, never paths.
import { lstatSync, type Dirent, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, sep } from 'node:path';
import type { TransferChild } from '../../shared/sftp.js';
import type { SftpClient } from './client.js';
import { localIoError, sftpError } from './errors.js';
import { MAX_TREE_DEPTH, eachLimited, kindOf, walkRemote } from './listing.js';
import { localName } from './names.js';
import { joinRemote, remoteBase } from './remote-path.js';

/** One file of a transfer item: remote path, local components, size in bytes and its own progress and state. */
export interface PlannedFile {
  /** Display path inside the item ('/'-separated). */
  relative: string;
  remote: Buffer;
  /** Local path components below the item's local root (already checked). */
  local: Buffer[];
  size: number;
  mtime: number;
  mode: number;
  state: TransferChild['state'];
  bytesDone: number;
  error?: { code: string; message: string };
}

/** What a transfer item moves, found before any byte is copied: its folders (parents first) and files. */
export interface Plan {
  kind: 'file' | 'folder';
  name: string;
  /** Folders to create, parents first (local components for downloads, remote paths for uploads). */
  folders: Array<{ local: Buffer[]; remote: Buffer }>;
  files: PlannedFile[];
}

const MAX_FILES = 1_000_000;
/** Local lstat calls in flight while planning an upload (libuv's pool has four threads; this keeps them busy). */
const LSTATS_AT_ONCE = 16;

/**
 * A file the item lists but will not move (unsafe name, link, not a regular
 * file): state 'skipped', size 0, no paths, and the reason as `error`
 * ({ code: an SFTP_ code, message }).
 */
export function skippedFile(relative: string, code: string, message: string): PlannedFile {
  return {
    relative,
    remote: Buffer.alloc(0),
    local: [],
    size: 0,
    mtime: 0,
    mode: 0,
    state: 'skipped',
    bytesDone: 0,
    error: { code, message },
  };
}

/** A remote file or folder to download. Throws the client's codes and SFTP_LISTING_TOO_LONG. */
export async function planDownload(client: SftpClient, source: Buffer, followLinks: boolean): Promise<Plan> {
  const rootName = localName(remoteBase(source));
  if (!rootName) throw sftpError('SFTP_UNSAFE_NAME', { name: remoteBase(source).toString('utf8') });
  const top = await client.lstat(source);
  let kind = kindOf(top);
  let attrs = top;
  if (kind === 'link') {
    attrs = await client.stat(source);
    kind = kindOf(attrs);
  }
  const name = rootName.text;
  if (kind === 'file') return { kind: 'file', name, folders: [], files: [file(name, source, [rootName.bytes], attrs)] };
  if (kind !== 'dir') throw sftpError('SFTP_FAILURE', { reason: 'not a file or folder' });
  const plan: Plan = { kind: 'folder', name, folders: [{ local: [rootName.bytes], remote: source }], files: [] };
  const localOf = new Map<string, Buffer[]>([['', [rootName.bytes]]]);
  await walkRemote(client, source, (node) => {
    const parentKey = node.names
      .slice(0, -1)
      .map((n) => n.toString('base64'))
      .join('/');
    const parent = localOf.get(parentKey);
    const relative = [name, ...node.names.map((n) => n.toString('utf8'))].join('/');
    const local = localName(node.names[node.names.length - 1] as Buffer);
    if (!parent) return; // inside a skipped folder
    if (!local) return void plan.files.push(skippedFile(relative, 'SFTP_UNSAFE_NAME', 'unsafe name'));
    const path = [...parent, local.bytes];
    if (node.kind === 'dir') {
      localOf.set(node.names.map((n) => n.toString('base64')).join('/'), path);
      plan.folders.push({ local: path, remote: node.path });
    } else if (node.kind === 'file') {
      plan.files.push(file(relative, node.path, path, node.attrs));
    } else {
      // Links are not followed out of a folder being downloaded (followLinks follows links to files only).
      if (node.kind === 'link' && followLinks)
        return void plan.files.push({ ...file(relative, node.path, path, node.attrs), size: -1 });
      plan.files.push(skippedFile(relative, node.kind === 'link' ? 'SFTP_LINK_SKIPPED' : 'SFTP_NOT_A_FILE', node.kind));
    }
    if (plan.files.length > MAX_FILES) throw sftpError('SFTP_LISTING_TOO_LONG', { max: MAX_FILES });
  });
  return plan;
}

function lstatInPlace(path: Buffer): Stats {
  try {
    return lstatSync(path);
  } catch (err) {
    throw localIoError(err, 'stat');
  }
}

function file(
  relative: string,
  remote: Buffer,
  local: Buffer[],
  attrs: { size?: number; mtime?: number; mode?: number },
): PlannedFile {
  return {
    relative,
    remote,
    local,
    size: attrs.size ?? 0,
    mtime: attrs.mtime ?? 0,
    mode: attrs.mode ?? 0o644,
    state: 'queued',
    bytesDone: 0,
  };
}

/**
 * A local file or folder to upload into remoteDir. Local links are not
 * followed. `fastLocal`: the folder is on a local disk, so its files are
 * lstat'ed in place rather than through the thread pool (local-fast.ts).
 * Throws SFTP_LOCAL_IO.
 */
export async function planUpload(localPath: string, remoteDir: Buffer, fastLocal = false): Promise<Plan> {
  const name = basename(localPath);
  const st = await lstat(localPath).catch((err: unknown) => Promise.reject(localIoError(err, 'stat')));
  const remoteRoot = joinRemote(remoteDir, Buffer.from(name));
  const stamp = (s: { size: number; mtimeMs: number; mode: number }) => ({
    size: s.size,
    mtime: Math.floor(s.mtimeMs / 1000),
    mode: s.mode,
  });
  if (st.isFile())
    return { kind: 'file', name, folders: [], files: [file(name, remoteRoot, [Buffer.from(localPath)], stamp(st))] };
  if (!st.isDirectory()) throw sftpError('SFTP_LOCAL_IO', { errno: 'EINVAL' });
  const plan: Plan = {
    kind: 'folder',
    name,
    folders: [{ local: [Buffer.from(localPath)], remote: remoteRoot }],
    files: [],
  };
  // Names as bytes: a local name that is not UTF-8 reaches the server exactly.
  const walk = async (dir: Buffer, remote: Buffer, rel: string, depth: number): Promise<void> => {
    if (depth > MAX_TREE_DEPTH) throw sftpError('SFTP_LISTING_TOO_LONG', { depth });
    const entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' }).catch((err: unknown) =>
      Promise.reject(localIoError(err, 'readdir')),
    );
    // A folder's files are stat'ed together (one lstat after another was most of planning 2,000 small files).
    const stats = new Map<Dirent<Buffer>, Stats>();
    await eachLimited(
      entries.filter((e) => e.isFile()),
      fastLocal ? 1 : LSTATS_AT_ONCE,
      async (e) => {
        const full = Buffer.concat([dir, Buffer.from(sep), e.name]);
        stats.set(
          e,
          fastLocal
            ? lstatInPlace(full)
            : await lstat(full).catch((err: unknown) => Promise.reject(localIoError(err, 'stat'))),
        );
      },
    );
    for (const e of entries) {
      const full = Buffer.concat([dir, Buffer.from(sep), e.name]);
      const r = joinRemote(remote, e.name);
      const relative = `${rel}/${e.name.toString('utf8')}`;
      const s = stats.get(e);
      if (e.isDirectory()) {
        plan.folders.push({ local: [full], remote: r });
        await walk(full, r, relative, depth + 1);
      } else if (s) plan.files.push(file(relative, r, [full], stamp(s)));
      else
        plan.files.push(
          skippedFile(relative, e.isSymbolicLink() ? 'SFTP_LINK_SKIPPED' : 'SFTP_NOT_A_FILE', 'not a file'),
        );
      if (plan.files.length > MAX_FILES) throw sftpError('SFTP_LISTING_TOO_LONG', { max: MAX_FILES });
    }
  };
  await walk(Buffer.from(localPath), remoteRoot, name, 0);
  return plan;
}
