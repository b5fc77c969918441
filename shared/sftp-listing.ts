// How a folder listing crosses the API: column by column instead of one
// object per entry. A 10,000-entry folder as objects was 2.1 MB of JSON, most
// of it the same keys and the folder's path repeated in every entry's `path`;
// Chromium took 300–600 ms (and several long tasks) to hand one WebSocket
// message of that size to the page on a busy machine, against ~15 ms for
// 200 KB. Packed, the same folder is about 0.4 MB. Pure (no Node, no DOM):
// main packs (main/api/files-api.ts), the page unpacks (files-panel.ts).
import type { RemotePath, SftpEntry, SftpEntryKind, SftpListing } from './sftp.js';

/** The rare fields of one entry, sent only for the entries that have them (index into the columns). */
export interface PackedExtra {
  index: number;
  nameB64?: string;
  /** Sent when it is not the folder's text path + '/' + name (a name or folder that is not UTF-8). */
  path?: RemotePath;
  /** Sent when the modification time is not whole seconds. */
  mtimeMs?: number;
  link?: SftpEntry['link'];
}

/**
 * SftpListing with its entries as columns: entry i is names[i], kinds[i]
 * ('f' file, 'd' dir, 'l' link, 'o' other), sizes[i] (bytes),
 * mtimes[i] (seconds since the epoch), modes[i], uids[i] / gids[i] (-1:
 * absent), owners[i] / groups[i] (index into `people`, -1: absent), and the
 * PackedExtra whose index is i, if any.
 */
export interface SftpListingPacked {
  path: RemotePath;
  pathText: string;
  refused: number;
  names: string[];
  kinds: string;
  sizes: number[];
  mtimes: number[];
  modes: number[];
  uids: number[];
  gids: number[];
  people: string[];
  owners: number[];
  groups: number[];
  extras: PackedExtra[];
}

const KIND_CODE: Record<SftpEntryKind, string> = { file: 'f', dir: 'd', link: 'l', other: 'o' };
const CODE_KIND: Record<string, SftpEntryKind> = { f: 'file', d: 'dir', l: 'link', o: 'other' };

/** The folder's text with one trailing '/': what an entry's text path starts with. */
function prefixOf(listing: { pathText: string }): string {
  return listing.pathText.endsWith('/') ? listing.pathText : `${listing.pathText}/`;
}

/** Packs a listing for the API (the inverse of unpackListing; no field is lost). */
export function packListing(listing: SftpListing): SftpListingPacked {
  const prefix = typeof listing.path === 'string' ? prefixOf(listing) : null;
  const people = new Map<string, number>();
  const person = (name: string | undefined): number => {
    if (name === undefined) return -1;
    let i = people.get(name);
    if (i === undefined) people.set(name, (i = people.size));
    return i;
  };
  const out: SftpListingPacked = {
    path: listing.path,
    pathText: listing.pathText,
    refused: listing.refused,
    names: [],
    kinds: '',
    sizes: [],
    mtimes: [],
    modes: [],
    uids: [],
    gids: [],
    people: [],
    owners: [],
    groups: [],
    extras: [],
  };
  const kinds: string[] = [];
  listing.entries.forEach((e, index) => {
    out.names.push(e.name);
    kinds.push(KIND_CODE[e.kind]);
    out.sizes.push(e.size);
    out.mtimes.push(Math.floor(e.mtimeMs / 1000));
    out.modes.push(e.mode);
    out.uids.push(e.uid ?? -1);
    out.gids.push(e.gid ?? -1);
    out.owners.push(person(e.owner));
    out.groups.push(person(e.group));
    const extra: PackedExtra = { index };
    if (e.nameB64 !== undefined) extra.nameB64 = e.nameB64;
    if (prefix === null || e.path !== `${prefix}${e.name}`) extra.path = e.path;
    if (e.mtimeMs % 1000 !== 0) extra.mtimeMs = e.mtimeMs;
    if (e.link) extra.link = e.link;
    if (Object.keys(extra).length > 1) out.extras.push(extra);
  });
  out.kinds = kinds.join('');
  out.people = [...people.keys()];
  return out;
}

/** The listing main packed, one SftpEntry per name again (paths rebuilt from the folder's text). */
export function unpackListing(p: SftpListingPacked): SftpListing {
  const prefix = prefixOf(p);
  const entries: SftpEntry[] = new Array<SftpEntry>(p.names.length);
  for (let i = 0; i < p.names.length; i++) {
    const name = p.names[i] as string;
    const e: SftpEntry = {
      name,
      path: `${prefix}${name}`,
      kind: CODE_KIND[p.kinds[i] ?? 'o'] ?? 'other',
      size: p.sizes[i] ?? 0,
      mtimeMs: (p.mtimes[i] ?? 0) * 1000,
      mode: p.modes[i] ?? 0,
    };
    const uid = p.uids[i] ?? -1;
    const gid = p.gids[i] ?? -1;
    const owner = p.owners[i] ?? -1;
    const group = p.groups[i] ?? -1;
    if (uid >= 0) e.uid = uid;
    if (gid >= 0) e.gid = gid;
    if (owner >= 0) e.owner = p.people[owner];
    if (group >= 0) e.group = p.people[group];
    entries[i] = e;
  }
  for (const { index, ...extra } of p.extras) {
    const e = entries[index];
    if (e) Object.assign(e, extra);
  }
  return { path: p.path, pathText: p.pathText, entries, refused: p.refused };
}
