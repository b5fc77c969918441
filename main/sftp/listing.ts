// Reading folders: one listing for the browser (entries with owner, link
// target), and walks of whole trees for folder downloads and deletes. Every
// loop here is bounded, because the server is not trusted: a listing that
// never ends stops at SFTP_LIMITS.listEntries (SFTP_LISTING_TOO_LONG), a
// tree at MAX_TREE_DEPTH, and symlink chains at MAX_LINK_HOPS (SFTP_LINK_LOOP).
import { SFTP_LIMITS, type SftpEntry, type SftpEntryKind, type SftpListing } from '../../shared/sftp.js';
import type { RawEntry, SftpClient } from './client.js';
import { sftpError } from './errors.js';
import { isUtf8, joinRemote, remoteParent, toRemotePath } from './remote-path.js';
import type { Attrs } from './wire.js';

/** Deepest folder nesting a tree walk enters; deeper fails with SFTP_LISTING_TOO_LONG. */
export const MAX_TREE_DEPTH = 64;
/** OpenSSH's and Linux's own bound on following links (MAXSYMLINKS 40). */
export const MAX_LINK_HOPS = 40;
const S_IFMT = 0o170000;

/** Entry kind from st_mode's S_IFMT bits (SFTPv3 permissions, §5); 'other' when mode is absent. */
export function kindOf(attrs: Attrs): SftpEntryKind {
  if (attrs.mode === undefined) return 'other';
  switch (attrs.mode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'link';
    default:
      return 'other';
  }
}

/** Reads every entry of a folder, '.' and '..' and unusable names left out (and counted). */
export async function readFolder(
  client: SftpClient,
  path: Buffer,
  max: number = SFTP_LIMITS.listEntries,
): Promise<{ entries: RawEntry[]; refused: number; refusedNames: Buffer[] }> {
  const handle = await client.opendir(path);
  const entries: RawEntry[] = [];
  const refusedNames: Buffer[] = [];
  let refused = 0;
  try {
    for (;;) {
      const batch = await client.readdir(handle);
      if (batch === null) break;
      for (const e of batch) {
        const dots = e.name.length <= 2 && (e.name.equals(DOT) || e.name.equals(DOTDOT));
        if (dots) continue;
        if (e.name.length === 0 || e.name.includes(0) || e.name.includes(0x2f)) {
          if (refused++ < 1000) refusedNames.push(e.name);
        } else entries.push(e);
        if (entries.length + refused > max) throw sftpError('SFTP_LISTING_TOO_LONG', { max });
      }
    }
  } finally {
    await client.closeHandle(handle).catch(() => undefined);
  }
  return { entries, refused, refusedNames };
}

const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');

/** The browser's listing: canonical path, entries with owner names and link targets. */
export async function listFolder(client: SftpClient, path: Buffer): Promise<SftpListing> {
  const canonical = await client.realpath(path);
  const { entries, refused } = await readFolder(client, canonical);
  const out = entries.map((e) => toEntry(canonical, e));
  // Links: their target text and what is there, a bounded number at a time.
  const links = out.map((e, i) => [e, entries[i] as RawEntry] as const).filter(([e]) => e.kind === 'link');
  await eachLimited(links, 16, async ([entry, raw]) => {
    const full = joinRemote(canonical, raw.name);
    const target = await client.readlink(full).catch(() => null);
    entry.link = { target: target?.toString('utf8') ?? '', targetKind: await linkTargetKind(client, full) };
  });
  return { path: toRemotePath(canonical), pathText: canonical.toString('utf8'), entries: out, refused };
}

async function linkTargetKind(client: SftpClient, path: Buffer): Promise<SftpEntryKind | 'missing' | 'loop'> {
  try {
    return kindOf(await client.stat(path));
  } catch (err) {
    if ((err as { code?: string }).code !== 'SFTP_NOT_FOUND') return 'loop';
  }
  // sftp-server reports a loop (ELOOP) as it reports a missing target: walk the chain ourselves.
  const seen = new Set<string>();
  let at = path;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const key = at.toString('base64');
    if (seen.has(key)) return 'loop';
    seen.add(key);
    const attrs = await client.lstat(at).catch(() => null);
    if (!attrs) return 'missing';
    if (kindOf(attrs) !== 'link') return kindOf(attrs);
    const target = await client.readlink(at).catch(() => null);
    if (!target) return 'missing';
    at = target[0] === 0x2f ? target : joinRemote(remoteParent(at), target);
  }
  return 'loop';
}

/** An SftpEntry for a READDIR name under `dir`: UTF-8 name (base64 too when not valid UTF-8), attrs in bytes and ms. */
export function toEntry(dir: Buffer, e: RawEntry): SftpEntry {
  const { attrs } = e;
  const entry: SftpEntry = {
    name: e.name.toString('utf8'),
    path: toRemotePath(joinRemote(dir, e.name)),
    kind: kindOf(attrs),
    size: attrs.size ?? 0,
    mtimeMs: (attrs.mtime ?? 0) * 1000,
    mode: attrs.mode ?? 0,
  };
  if (!isUtf8(e.name)) entry.nameB64 = e.name.toString('base64');
  if (attrs.uid !== undefined) entry.uid = attrs.uid;
  if (attrs.gid !== undefined) entry.gid = attrs.gid;
  const owners = ownersFromLongname(e.longname);
  if (owners) Object.assign(entry, owners);
  return entry;
}

/** OpenSSH's long name is `ls -l` output (draft-ietf-secsh-filexfer-02 §7): fields 3 and 4 are owner and group. */
function ownersFromLongname(longname: string): { owner: string; group: string } | undefined {
  if (!/^[-dlcbps][-rwxsStT]{9}/.test(longname)) return undefined;
  const f = longname.split(/\s+/);
  return f.length >= 4 ? { owner: (f[2] as string).slice(0, 64), group: (f[3] as string).slice(0, 64) } : undefined;
}

/** Runs fn over items, at most `limit` at a time; rejects with the first failure after all stop. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

/** One node of a remote tree walk. */
export interface RemoteNode {
  /** Full remote path. */
  path: Buffer;
  /** Names from the walk's root to here (each checked: no '/', NUL, '.', '..'). */
  names: Buffer[];
  kind: 'file' | 'dir' | 'link' | 'other';
  attrs: Attrs;
}

/**
 * Walks a remote folder depth-first, folders before their contents; links are
 * reported, never entered. Throws SFTP_LISTING_TOO_LONG past `maxNodes`
 * nodes in total or MAX_TREE_DEPTH levels.
 */
export async function walkRemote(
  client: SftpClient,
  root: Buffer,
  visit: (node: RemoteNode) => void,
  maxNodes = 1_000_000,
): Promise<void> {
  let count = 0;
  const walk = async (dir: Buffer, names: Buffer[]): Promise<void> => {
    if (names.length > MAX_TREE_DEPTH) throw sftpError('SFTP_LISTING_TOO_LONG', { depth: names.length });
    const { entries, refusedNames } = await readFolder(
      client,
      dir,
      Math.min(SFTP_LIMITS.listEntries, maxNodes - count),
    );
    // Names that are paths ('/' inside, NUL, empty) are reported so the plan can skip them visibly.
    for (const name of refusedNames)
      visit({ path: Buffer.alloc(0), names: [...names, name], kind: 'other', attrs: {} });
    const dirs: RemoteNode[] = [];
    for (const e of entries) {
      if (++count > maxNodes) throw sftpError('SFTP_LISTING_TOO_LONG', { max: maxNodes });
      const node: RemoteNode = {
        path: joinRemote(dir, e.name),
        names: [...names, e.name],
        kind: kindOf(e.attrs),
        attrs: e.attrs,
      };
      visit(node);
      if (node.kind === 'dir') dirs.push(node);
    }
    for (const d of dirs) await walk(d.path, d.names);
  };
  await walk(root, []);
}
