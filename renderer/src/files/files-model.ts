// Pure helpers for the file browser: ordering, filtering, sizes, modes,
// remote path text and the shell's OSC 7 "current directory" report. No DOM,
// so the same rules hold wherever the list is drawn.
import type { RemotePath, SftpEntry } from '../../../shared/sftp.js';

export type SortKey = 'name' | 'size' | 'date';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Folders first (and links to folders), then by `key`; ties by name. Returns
 * a new array; 10,000 entries sort in a few milliseconds with a shared Collator.
 */
export function sortEntries(entries: readonly SftpEntry[], key: SortKey, descending = false): SftpEntry[] {
  const dir = descending ? -1 : 1;
  return [...entries].sort((a, b) => {
    const fa = isFolder(a) ? 0 : 1;
    const fb = isFolder(b) ? 0 : 1;
    if (fa !== fb) return fa - fb;
    let c = 0;
    if (key === 'size') c = a.size - b.size;
    else if (key === 'date') c = a.mtimeMs - b.mtimeMs;
    if (c === 0) c = collator.compare(a.name, b.name);
    return c * dir;
  });
}

/** Hidden entries (dot names) only when asked; then those whose name contains `filter` (case-insensitive). */
export function visibleEntries(entries: readonly SftpEntry[], showHidden: boolean, filter: string): SftpEntry[] {
  const needle = filter.trim().toLowerCase();
  return entries.filter(
    (e) => (showHidden || !e.name.startsWith('.')) && (needle === '' || e.name.toLowerCase().includes(needle)),
  );
}

/** A folder, or a symlink whose target is a folder: Enter opens it. */
export function isFolder(e: SftpEntry): boolean {
  return e.kind === 'dir' || (e.kind === 'link' && e.link?.targetKind === 'dir');
}

/** Bytes as people read them (1024-based, one decimal below 10). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i] ?? 'PiB'}`;
}

/** Permission bits as `ls -l` prints them (rwxr-xr-x), setuid/setgid/sticky included. */
export function formatMode(mode: number): string {
  const bit = (m: number, c: string): string => (mode & m ? c : '-');
  const special = (x: number, s: number, lower: string, upper: string): string =>
    mode & s ? (mode & x ? lower : upper) : mode & x ? 'x' : '-';
  return (
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    special(0o100, 0o4000, 's', 'S') +
    bit(0o40, 'r') +
    bit(0o20, 'w') +
    special(0o10, 0o2000, 's', 'S') +
    bit(0o4, 'r') +
    bit(0o2, 'w') +
    special(0o1, 0o1000, 't', 'T')
  );
}

/** Parses an octal mode typed by the person ("755", "0644"); null unless it is 0–7777. */
export function parseOctalMode(text: string): number | null {
  const s = text.trim();
  if (!/^[0-7]{1,4}$/.test(s)) return null;
  return parseInt(s, 8);
}

/** The parent of a '/'-separated text path ('/' stays '/'). */
export function parentPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const at = trimmed.lastIndexOf('/');
  if (at <= 0) return '/';
  return trimmed.slice(0, at);
}

/** `name` inside the folder `dir` (text paths). */
export function childPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** Breadcrumb segments of an absolute text path: '/a/b' → ['/', '/a', '/a/b'] with labels. */
export function breadcrumbs(path: string): Array<{ label: string; path: string }> {
  const out = [{ label: '/', path: '/' }];
  let acc = '';
  for (const part of path.split('/')) {
    if (part === '') continue;
    acc += `/${part}`;
    out.push({ label: part, path: acc });
  }
  return out;
}

/** A key that tells two remote paths apart (string or base64 bytes). */
export function pathKey(p: RemotePath): string {
  return typeof p === 'string' ? `s:${p}` : `b:${p.b64}`;
}

/**
 * The folder an OSC 7 report names: `file://host/path` with the path
 * percent-encoded (the form VTE's `__vte_osc7` and macOS Terminal send).
 * Returns null for anything else: another scheme, no path, a path that is not
 * absolute, bad percent-encoding, or NUL. The host part is kept for the
 * caller (a report from another machine, after `ssh` inside the shell, is
 * still shown but the caller may compare it).
 */
export function parseOsc7(data: string): { host: string; path: string } | null {
  if (data.length > 8192) return null;
  const m = /^file:\/\/([^/]*)(\/.*)$/s.exec(data);
  if (!m) return null;
  let path: string;
  try {
    path = decodeURIComponent(m[2] ?? '');
  } catch {
    return null;
  }
  if (!path.startsWith('/') || path.includes('\0')) return null;
  return { host: m[1] ?? '', path };
}
