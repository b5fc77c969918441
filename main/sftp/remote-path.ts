// Remote paths between the API (RemotePath: text, or exact bytes as base64)
// and the wire (Buffer). Remote paths are always '/'-separated (SFTP v3 §6).
import type { RemotePath } from '../../shared/sftp.js';

/** The exact bytes of a RemotePath: a string as UTF-8, { b64 } decoded. */
export function remoteBytes(p: RemotePath): Buffer {
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p.b64, 'base64');
}

/** Text when the bytes are valid UTF-8 (they round-trip), the exact bytes otherwise. */
export function toRemotePath(b: Buffer): RemotePath {
  const text = b.toString('utf8');
  return Buffer.from(text, 'utf8').equals(b) ? text : { b64: b.toString('base64') };
}

/** True when the bytes survive a UTF-8 decode and re-encode unchanged. */
export function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** dir + '/' + name, without doubling a trailing slash; bytes, not text. */
export function joinRemote(dir: Buffer, name: Buffer): Buffer {
  const slash = dir.length > 0 && dir[dir.length - 1] === 0x2f;
  return Buffer.concat(slash ? [dir, name] : [dir, Buffer.from('/'), name]);
}

/** The last component ("" for "/"). */
export function remoteBase(p: Buffer): Buffer {
  let end = p.length;
  while (end > 1 && p[end - 1] === 0x2f) end--;
  const start = p.lastIndexOf(0x2f, end - 1) + 1;
  return p.subarray(start, end);
}

/** The containing folder, ignoring trailing slashes: '/' for a top-level path, '.' for a bare name. */
export function remoteParent(p: Buffer): Buffer {
  let end = p.length;
  while (end > 1 && p[end - 1] === 0x2f) end--;
  const slash = p.lastIndexOf(0x2f, end - 1);
  if (slash < 0) return Buffer.from('.');
  return slash === 0 ? Buffer.from('/') : p.subarray(0, slash);
}
