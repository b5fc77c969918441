// Remote names are text, never path instructions. A name a server lists
// becomes one local path component only through localName(): '/', '\', NUL,
// '.', '..' and empty names are refused; control characters are replaced;
// on Windows its reserved device names (CON, NUL, COM1, ...), trailing dots
// and spaces and its forbidden characters are rewritten (Microsoft's "Naming
// Files, Paths, and Namespaces"). Every local path is then checked to lie
// inside the folder the person chose (insideRoot).
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Which local file system's name rules apply: POSIX takes any bytes but '/' and NUL; win32 also bars reserved names and characters. */
export type NamePlatform = 'posix' | 'win32';

/** A component to write locally (exact bytes on POSIX), and whether it differs from the server's. */
export interface LocalName {
  bytes: Buffer;
  text: string;
  renamed: boolean;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const WINDOWS_FORBIDDEN = /[<>:"|?*\\]/g;
// C0, DEL and C1 controls: harmless to the file system, but they rewrite a terminal or a log line.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Longest component most file systems take (ext4, NTFS: 255). */
const MAX_COMPONENT_BYTES = 255;

/**
 * The local name for a remote name, or null when the name must be refused
 * (it would be a path, not a name). POSIX keeps a non-UTF-8 name's exact
 * bytes; Windows cannot, so it gets the decoded text (U+FFFD for bad bytes).
 */
export function localName(raw: Buffer, platform: NamePlatform = hostPlatform()): LocalName | null {
  if (raw.length === 0 || raw.includes(0) || raw.includes(0x2f)) return null;
  if (platform === 'win32' && raw.includes(0x5c)) return null;
  const text = raw.toString('utf8');
  if (text === '.' || text === '..') return null;
  const utf8 = Buffer.from(text, 'utf8').equals(raw);
  let out = text.replace(CONTROL, '_');
  if (platform === 'win32') {
    out = out.replace(WINDOWS_FORBIDDEN, '_').replace(/[. ]+$/, (m) => '_'.repeat(m.length));
    if (WINDOWS_RESERVED.test(out)) out = `_${out}`;
  }
  if (out === text && !utf8 && platform === 'posix') {
    if (raw.length > MAX_COMPONENT_BYTES) return null;
    return { bytes: Buffer.from(raw), text, renamed: false };
  }
  const bytes = Buffer.from(out, 'utf8');
  if (bytes.length > MAX_COMPONENT_BYTES) return null;
  return { bytes, text: out, renamed: out !== text || !utf8 };
}

/** Joins a local folder (bytes) and one checked component. */
export function joinLocal(dir: Buffer, name: Buffer): Buffer {
  return Buffer.concat([dir, Buffer.from(sep), name]);
}

/** True when `path` lies strictly inside `root` (both absolute; compared after resolving '..'). */
export function insideRoot(root: Buffer | string, path: Buffer | string): boolean {
  const r = resolve(root.toString('latin1'));
  const p = resolve(path.toString('latin1'));
  const rel = relative(r, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** A free variant of a name: "report.txt" → "report (1).txt". */
export function numberedName(name: Buffer, n: number): Buffer {
  const text = name.toString('latin1');
  const dot = text.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [text.slice(0, dot), text.slice(dot)] : [text, ''];
  return Buffer.from(`${stem} (${n})${ext}`, 'latin1');
}

function hostPlatform(): NamePlatform {
  return process.platform === 'win32' ? 'win32' : 'posix';
}
