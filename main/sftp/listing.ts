// Reading folders: one listing for the browser (entries with owner, link
// target), and walks of whole trees for folder downloads and deletes. Every
// loop here is bounded, because the server is not trusted: a listing that
// never ends stops at SFTP_LIMITS.listEntries (SFTP_LISTING_TOO_LONG), a
// tree at MAX_TREE_DEPTH, and symlink chains at MAX_LINK_HOPS (SFTP_LINK_LOOP).
import { isUtf8 as isUtf8Fast } from 'node:buffer';
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

/**
 * READDIR requests kept outstanding on one folder handle. OpenSSH's
 * sftp-server answers a handle's requests in order, at most 100 names each,
 * so a 10,000-entry folder is 100 replies: with several asked ahead, the
 * server reads the next batch while this side decodes the last, and the
 * listing costs the server's time rather than 100 round trips. Requests asked
 * past the end get EOF (or an error, ignored), and the first EOF ends it.
 */
export const READDIR_AHEAD = 8;

/** Reads every entry of a folder, '.' and '..' and unusable names left out (and counted). */
export async function readFolder(
  client: SftpClient,
  path: Buffer,
  max: number = SFTP_LIMITS.listEntries,
  ahead: number = READDIR_AHEAD,
): Promise<{ entries: RawEntry[]; refused: number; refusedNames: Buffer[] }> {
  const handle = await client.opendir(path);
  const out = { entries: [] as RawEntry[], refused: 0, refusedNames: [] as Buffer[] };
  const asked: Array<Promise<RawEntry[] | null>> = [];
  const ask = (): void => {
    const reply = client.readdir(handle);
    reply.catch(() => undefined); // read in order below; one asked past a failure is not unhandled
    asked.push(reply);
  };
  try {
    for (let i = 0; i < Math.max(1, ahead); i++) ask();
    for (;;) {
      const batch = await (asked.shift() as Promise<RawEntry[] | null>);
      if (batch === null) break;
      ask();
      keepNames(batch, out, max);
    }
  } finally {
    // Not awaited: the server answers in order, and nothing depends on the answers.
    client.closeHandle(handle).catch(() => undefined);
  }
  return out;
}

function keepNames(
  batch: RawEntry[],
  out: { entries: RawEntry[]; refused: number; refusedNames: Buffer[] },
  max: number,
): void {
  for (const e of batch) {
    const dots = e.name.length <= 2 && (e.name.equals(DOT) || e.name.equals(DOTDOT));
    if (dots) continue;
    if (e.name.length === 0 || e.name.includes(0) || e.name.includes(0x2f)) {
      if (out.refused++ < 1000) out.refusedNames.push(e.name);
    } else out.entries.push(e);
    if (out.entries.length + out.refused > max) throw sftpError('SFTP_LISTING_TOO_LONG', { max });
  }
}

const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');

/** The browser's listing: canonical path, entries with owner names and link targets. */
export async function listFolder(client: SftpClient, path: Buffer): Promise<SftpListing> {
  const canonical = await client.realpath(path);
  const { entries, refused } = await readFolder(client, canonical);
  const folder = folderText(canonical);
  const out = entries.map((e) => entryIn(folder, e));
  // Links: their target text and what is there, a bounded number at a time.
  const links = out.map((e, i) => [e, entries[i] as RawEntry] as const).filter(([e]) => e.kind === 'link');
  await eachLimited(links, 16, async ([entry, raw]) => {
    const full = joinRemote(canonical, raw.name);
    const target = await client.readlink(full).catch(() => null);
    entry.link = { target: target?.toString('utf8') ?? '', targetKind: await linkTargetKind(client, full) };
  });
  // Sent in code-unit order of the name, which costs a few ms here: the page's
  // locale-aware sort (Intl.Collator, numeric) then meets runs already in
  // order and makes a few thousand comparisons instead of ~130,000.
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
  return entryIn(folderText(dir), e);
}

/** A folder's path as the page gets it, worked out once for all its entries. */
interface FolderText {
  dir: Buffer;
  /** The folder's text with a trailing '/', when the folder's bytes are UTF-8; null otherwise. */
  prefix: string | null;
}

function folderText(dir: Buffer): FolderText {
  const slash = dir.length > 0 && dir[dir.length - 1] === 0x2f;
  return { dir, prefix: isUtf8(dir) ? `${dir.toString('utf8')}${slash ? '' : '/'}` : null };
}

function entryIn(folder: FolderText, e: RawEntry): SftpEntry {
  const { attrs } = e;
  // buffer.isUtf8: one native pass, the same answer as remote-path's decode and re-encode.
  const utf8 = isUtf8Fast(e.name);
  const name = e.name.toString('utf8');
  const entry: SftpEntry = {
    name,
    path: utf8 && folder.prefix !== null ? `${folder.prefix}${name}` : toRemotePath(joinRemote(folder.dir, e.name)),
    kind: kindOf(attrs),
    size: attrs.size ?? 0,
    mtimeMs: (attrs.mtime ?? 0) * 1000,
    mode: attrs.mode ?? 0,
  };
  if (!utf8) entry.nameB64 = e.name.toString('base64');
  if (attrs.uid !== undefined) entry.uid = attrs.uid;
  if (attrs.gid !== undefined) entry.gid = attrs.gid;
  const owners = ownersFromLongname(e.longname);
  if (owners) {
    entry.owner = owners.owner;
    entry.group = owners.group;
  }
  return entry;
}

const LONGNAME_MODE = /^[-dlcbps][-rwxsStT]{9}/;

/**
 * OpenSSH's long name is `ls -l` output (draft-ietf-secsh-filexfer-02 §7):
 * fields 3 and 4 are owner and group. Read by scanning for the first four
 * fields rather than splitting the whole line (10,000 entries a listing).
 */
function ownersFromLongname(longname: string): { owner: string; group: string } | undefined {
  if (!LONGNAME_MODE.test(longname)) return undefined;
  const fields: string[] = [];
  let at = 0;
  while (fields.length < 4) {
    while (at < longname.length && isSpace(longname.charCodeAt(at))) at++;
    if (at >= longname.length) return undefined;
    const start = at;
    while (at < longname.length && !isSpace(longname.charCodeAt(at))) at++;
    fields.push(longname.slice(start, at));
  }
  return { owner: (fields[2] as string).slice(0, 64), group: (fields[3] as string).slice(0, 64) };
}

/** What /\s/ matches among the characters a long name may hold (ASCII whitespace, NBSP, BOM, Unicode spaces). */
function isSpace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    c === 0xfeff ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Runs fn over items, at most `limit` at a time; rejects with the first failure after all stop. */
export function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  return eachWeighted(items, limit, () => 1, fn);
}

/**
 * Runs fn over items in order, each taking weight(item) of `capacity`
 * (clamped to it) while it runs: an item starts once enough is free, so a
 * heavy one waits for lighter ones before it rather than being overtaken.
 * After the first failure no more items start; it is thrown once the running
 * ones have ended.
 */
export async function eachWeighted<T>(
  items: readonly T[],
  capacity: number,
  weight: (item: T) => number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let used = 0;
  let running = 0;
  let failure: unknown;
  let wake = (): void => undefined;
  // Resolves when a running item ends (one waiter at a time: this loop).
  const ended = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  for (const item of items) {
    const w = Math.min(capacity, weight(item));
    while (failure === undefined && running > 0 && used + w > capacity) await ended();
    if (failure !== undefined) break;
    used += w;
    running++;
    void fn(item)
      .catch((err: unknown) => void (failure ??= err))
      .finally(() => {
        used -= w;
        running--;
        wake();
      });
  }
  while (running > 0) await ended();
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

/** Folders a tree walk reads at once (each with its READDIRs asked ahead): a tree of small folders costs round trips, not bytes. */
export const WALK_AT_ONCE = 4;

/**
 * Walks a remote folder, WALK_AT_ONCE folders at a time; a folder is always
 * visited before its contents (the order is otherwise not depth-first).
 * Links are reported, never entered. Throws SFTP_LISTING_TOO_LONG past
 * `maxNodes` nodes in total or MAX_TREE_DEPTH levels.
 */
export async function walkRemote(
  client: SftpClient,
  root: Buffer,
  visit: (node: RemoteNode) => void,
  maxNodes = 1_000_000,
): Promise<void> {
  let count = 0;
  const read = async (dir: Buffer, names: Buffer[]): Promise<RemoteNode[]> => {
    if (names.length > MAX_TREE_DEPTH) throw sftpError('SFTP_LISTING_TOO_LONG', { depth: names.length });
    const { entries, refusedNames } = await readFolder(
      client,
      dir,
      Math.max(0, Math.min(SFTP_LIMITS.listEntries, maxNodes - count)),
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
    return dirs;
  };
  await walkQueue<{ path: Buffer; names: Buffer[] }>({ path: root, names: [] }, WALK_AT_ONCE, (d) =>
    read(d.path, d.names),
  );
}

/** Runs `expand` over a tree from `root`, `limit` at a time; rejects with the first failure after all stop. */
async function walkQueue<T>(root: T, limit: number, expand: (item: T) => Promise<T[]>): Promise<void> {
  const queue: T[] = [root];
  let busy = 0;
  let failure: unknown;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (failure === undefined && busy < limit && queue.length > 0) {
        const item = queue.pop() as T;
        busy++;
        expand(item).then(
          (more) => {
            busy--;
            // Reversed onto a stack: the first child is read next, as depth-first would.
            for (let i = more.length - 1; i >= 0; i--) queue.push(more[i] as T);
            pump();
          },
          (err: unknown) => {
            busy--;
            failure ??= err;
            pump();
          },
        );
      }
      if (busy === 0) resolve();
    };
    pump();
  });
  if (failure !== undefined) throw failure;
}
