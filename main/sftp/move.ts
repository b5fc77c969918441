// One file, one way, with the rules that keep the destination whole: bytes
// go to a temporary name and are renamed onto the real name only when
// complete, so a cancelled or broken transfer never leaves a truncated file
// under the real name. A partial download is kept under a name derived from
// the remote file's path, size and mtime, and resumed only when all three
// still match (OpenSSH's `reget` trusts the size alone).
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, statfs, truncate, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HostdeckError } from '../../shared/errors.js';
import type { SftpClient } from './client.js';
import { localIoError, sftpError } from './errors.js';
import { downloadBytes, uploadBytes, type ByteSource, type PipeOptions } from './file-transfer.js';
import { joinLocal, numberedName } from './names.js';
import type { PlannedFile } from './plan.js';
import { joinRemote, remoteBase, remoteParent } from './remote-path.js';
import { OPEN_FLAGS } from './wire.js';
import { readWholeSync, writeWholeSync } from './local-fast.js';

/** What to do about an existing destination; 'rename' means a free numbered name. */
export type Resolution = 'overwrite' | 'skip' | 'rename';

/** What one file copy needs: the client, pipelining, cancel signal, progress, and how to settle a clash. */
export interface MoveContext {
  client: SftpClient;
  pipe: PipeOptions;
  signal: AbortSignal;
  onBytes(n: number): void;
  /** Asked when the destination exists. */
  conflict(existing: { size: number; mtimeMs: number }): Promise<Resolution>;
  /** Why the signal fired: 'pause' keeps a partial download, 'cancel' removes it. */
  stopReason(): 'pause' | 'cancel' | undefined;
  /** The local side is a fast local disk: a file that fits in one request is read or written in place (local-fast.ts). */
  fastLocal?: boolean;
  /** Uploads whose bytes are not a local file (serve mode: the page streams them); default: open f.local[0]. */
  openSource?(f: PlannedFile): Promise<UploadSource>;
}

/** An upload's bytes and how to let go of them. */
export type UploadSource = ByteSource & { close(): Promise<unknown> };

/** Bytes re-read from the end of a partial download, in case its last writes never landed (a crash). */
function resumeSlack(pipe: PipeOptions): number {
  return pipe.requestSize * pipe.inFlight;
}

/** The name a partial download is kept under, beside its target: from the remote path, size and mtime. */
export function partialName(f: Pick<PlannedFile, 'remote' | 'size' | 'mtime'>, base: Buffer): Buffer {
  const digest = createHash('sha256').update(f.remote).update(`\0${f.size}\0${f.mtime}`).digest('hex').slice(0, 16);
  const stem = base.subarray(0, 180);
  return Buffer.concat([Buffer.from('.'), stem, Buffer.from(`.${digest}.hdpart`)]);
}

/** Creates a local folder below root; an existing one must be a real folder (not a link planted to lead elsewhere). */
export async function makeLocalFolder(path: Buffer): Promise<boolean> {
  try {
    await mkdir(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw localIoError(err, 'mkdir');
    const st = await lstat(path);
    if (!st.isDirectory()) throw sftpError('SFTP_UNSAFE_NAME', { reason: 'a local non-folder is in the way' });
    return false;
  }
}

/**
 * Downloads f to `target` (an absolute local path whose parents exist).
 * `fresh`: the folder was just made by this item, so nothing can clash and no
 * partial can be there (three file-system calls less per small file).
 * Returns false when skipped.
 */
export async function downloadOne(ctx: MoveContext, f: PlannedFile, target: Buffer, fresh = false): Promise<boolean> {
  let size = f.size;
  if (size < 0) {
    const attrs = await ctx.client.stat(f.remote);
    if (((attrs.mode ?? 0) & 0o170000) !== 0o100000) throw sftpError('SFTP_FAILURE', { reason: 'link to a non-file' });
    size = attrs.size ?? 0;
    f.size = size;
    f.mtime = attrs.mtime ?? 0;
  }
  const existing = fresh ? null : await lstat(target).catch(() => null);
  if (existing) {
    if (!existing.isFile()) throw sftpError('SFTP_EXISTS', { reason: 'a local non-file is in the way' });
    const choice = await ctx.conflict({ size: existing.size, mtimeMs: existing.mtimeMs });
    if (choice === 'skip') return false;
    if (choice === 'rename') target = await freeLocalName(target);
  }
  const temp = joinLocal(
    Buffer.from(dirname(target.toString('latin1')), 'latin1'),
    partialName(f, Buffer.from(remoteBase(target))),
  );
  if (fresh && size <= Math.min(ctx.pipe.requestSize, ctx.client.limits.maxRead)) {
    await downloadWhole(ctx, f, size, temp, target);
    return true;
  }
  // O_NOFOLLOW: a link planted at the temporary name is refused, not written through.
  let fd: FileHandle;
  try {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (fresh ? constants.O_EXCL : 0);
    fd = await open(temp, flags, 0o600);
  } catch (err) {
    throw localIoError(err, 'open');
  }
  let start = 0;
  try {
    const partial = fresh ? 0 : (await fd.stat()).size;
    start = Math.max(0, Math.min(partial, size) - resumeSlack(ctx.pipe));
    if (size - start > SPACE_CHECK_FROM) await ensureSpace(temp, size - start);
    if (start > 0) ctx.onBytes(start);
    await downloadBytes(ctx.client, f.remote, fd, { start, size }, ctx.pipe, ctx);
    if (!fresh || start > 0) await fd.truncate(size);
  } catch (err) {
    await fd.close().catch(() => undefined);
    await keepOrDrop(ctx, temp, err);
    throw err;
  }
  await fd.close();
  try {
    if (f.mtime > 0) await utimes(temp, f.mtime, f.mtime);
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw localIoError(err, 'rename');
  }
  return true;
}

/**
 * A file that fits in one READ, into a folder this item made: the remote
 * OPEN and READ and the local open of the temporary file go at once, then
 * one write, the times, close and rename. Nothing is kept for a resume (the
 * whole file is one request). Throws SFTP_SIZE_CHANGED, SFTP_LOCAL_IO, the
 * client's codes, or the signal's reason.
 */
async function downloadWhole(ctx: MoveContext, f: PlannedFile, size: number, temp: Buffer, target: Buffer) {
  const data = Buffer.allocUnsafe(size);
  const sink = { write: async (d: Buffer, at: number, len: number, pos: number) => d.copy(data, pos, at, at + len) };
  const job = { signal: ctx.signal, onBytes: () => undefined };
  if (ctx.fastLocal) {
    await downloadBytes(ctx.client, f.remote, sink, { start: 0, size }, ctx.pipe, job);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    writeWholeSync(temp, target, data, f.mtime);
    return ctx.onBytes(size);
  }
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_EXCL;
  const [got, opened] = await Promise.allSettled([
    downloadBytes(ctx.client, f.remote, sink, { start: 0, size }, ctx.pipe, job),
    open(temp, flags, 0o600),
  ]);
  // O_EXCL refused: whatever is at the temporary name is not ours to remove.
  if (opened.status === 'rejected') throw localIoError(opened.reason, 'open');
  const fd = opened.value;
  try {
    if (got.status === 'rejected') throw got.reason;
    if (ctx.signal.aborted) throw ctx.signal.reason;
    await fd.write(data, 0, size, 0).catch((err: unknown) => Promise.reject(localIoError(err, 'write')));
    if (f.mtime > 0) await fd.utimes(f.mtime, f.mtime);
    await fd.close();
    if (ctx.signal.aborted) throw ctx.signal.reason;
    await rename(temp, target);
  } catch (err) {
    await fd.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw localIoError(err, 'rename');
  }
  ctx.onBytes(size);
}

async function keepOrDrop(ctx: MoveContext, temp: Buffer, err: unknown): Promise<void> {
  const reason = ctx.stopReason();
  const watermark = (err as { watermark?: number }).watermark;
  // A pause, or a lost connection, keeps the partial for a resume; anything the server got wrong does not.
  const keep = reason === 'pause' || (reason === undefined && isCode(err, 'SFTP_CLOSED'));
  if (keep && watermark !== undefined) await truncate(temp, watermark).catch(() => undefined);
  else await unlink(temp).catch(() => undefined);
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof HostdeckError && err.code === code;
}

/** Files smaller than this are not worth a statfs each (a full disk still fails their write, as SFTP_LOCAL_IO). */
const SPACE_CHECK_FROM = 64 * 1024 * 1024;

async function ensureSpace(path: Buffer, bytes: number): Promise<void> {
  const s = await statfs(dirname(path.toString('latin1'))).catch(() => null);
  if (s && bytes > s.bavail * s.bsize) throw sftpError('SFTP_LOCAL_IO', { errno: 'ENOSPC', needed: bytes });
}

async function freeLocalName(target: Buffer): Promise<Buffer> {
  const dir = Buffer.from(dirname(target.toString('latin1')), 'latin1');
  const base = Buffer.from(remoteBase(target));
  for (let n = 1; n < 10_000; n++) {
    const candidate = joinLocal(dir, numberedName(base, n));
    if (!(await lstat(candidate).catch(() => null))) return candidate;
  }
  throw sftpError('SFTP_EXISTS');
}

/**
 * Uploads the local file f.local[0] to f.remote through a temporary name.
 * `freshFolder`: f.remote's folder was made by this item, so nothing is
 * looked up there and the temporary name is renamed with
 * posix-rename@openssh.com when offered. Returns false when skipped.
 */
export async function uploadOne(ctx: MoveContext, f: PlannedFile, freshFolder = false): Promise<boolean> {
  const { client } = ctx;
  let target = f.remote;
  // In a folder this item just made there is nothing to clash with: no round trip to look.
  const existing = freshFolder ? null : await client.lstat(target).catch(() => null);
  let replace = false;
  if (existing) {
    const choice = await ctx.conflict({ size: existing.size ?? 0, mtimeMs: (existing.mtime ?? 0) * 1000 });
    if (choice === 'skip') return false;
    if (choice === 'rename') target = await freeRemoteName(client, target);
    else replace = true;
  }
  const temp = joinRemote(
    remoteParent(target),
    Buffer.concat([Buffer.from('.'), remoteBase(target).subarray(0, 200), Buffer.from('.hdpart')]),
  );
  // In a folder this item made there is nothing to keep at the real name: posix-rename@openssh.com
  // (one rename(2)) where sftp-server makes a plain RENAME into lstat, link and unlink.
  replace ||= freshFolder;
  if (!ctx.openSource && f.size <= Math.min(ctx.pipe.requestSize, client.limits.maxWrite)) {
    await uploadWhole(ctx, f, temp, target, replace);
    return true;
  }
  let fd: UploadSource;
  try {
    fd = ctx.openSource
      ? await ctx.openSource(f)
      : await open(f.local[0] as Buffer, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw localIoError(err, 'open');
  }
  try {
    const handle = await client.open(temp, OPEN_FLAGS.WRITE | OPEN_FLAGS.CREAT | OPEN_FLAGS.TRUNC, {
      mode: f.mode & 0o777,
    });
    let sent = false;
    try {
      await uploadBytes(client, handle, fd, { start: 0, size: f.size }, ctx.pipe, ctx);
      sent = true;
    } finally {
      // Pipelined: the server takes them in order, so the times are set before the close, in one round trip.
      const times =
        f.mtime > 0 ? client.fsetstat(handle, { atime: f.mtime, mtime: f.mtime }).catch(() => undefined) : undefined;
      const [, closed] = await Promise.allSettled([times, client.closeHandle(handle)]);
      // Every WRITE succeeded but the CLOSE failed: a server may report a late write error there
      // (a full disk, an NFS flush), so the bytes may not be whole and the RENAME must not happen.
      if (sent && closed.status === 'rejected') throw closed.reason;
    }
    await client.rename(temp, target, replace);
  } catch (err) {
    await client.remove(temp).catch(() => undefined);
    throw err;
  } finally {
    await fd.close().catch(() => undefined);
  }
  return true;
}

/**
 * A local file that fits in one WRITE: its bytes are read while the remote
 * OPEN is on its way, then WRITE, FSETSTAT and CLOSE go out together and
 * RENAME follows only when all three succeeded (two round trips after the
 * OPEN instead of three). A cancel before the RENAME, or any failure, removes
 * the temporary file. Throws SFTP_SIZE_CHANGED (the file is no longer the
 * planned size), SFTP_LOCAL_IO, the client's codes, or the signal's reason.
 */
async function uploadWhole(ctx: MoveContext, f: PlannedFile, temp: Buffer, target: Buffer, replace: boolean) {
  const { client, signal } = ctx;
  const flags = OPEN_FLAGS.WRITE | OPEN_FLAGS.CREAT | OPEN_FLAGS.TRUNC;
  const [read, opened] = await Promise.allSettled([
    ctx.fastLocal ? readWholeSync(f.local[0] as Buffer, f.size) : readWhole(f.local[0] as Buffer, f.size),
    client.open(temp, flags, { mode: f.mode & 0o777 }),
  ]);
  if (opened.status === 'rejected') throw opened.reason;
  const handle = opened.value;
  // A handle is closed once only: the server may give its number to the next OPEN.
  let closed: Promise<void> | undefined;
  try {
    if (read.status === 'rejected') throw read.reason;
    if (signal.aborted) throw signal.reason;
    const data = read.value;
    const packet = client.writePacket(handle, Math.max(1, data.length));
    data.copy(packet.buf, packet.dataAt);
    const writes = data.length > 0 ? client.write(packet, 0, data.length) : undefined;
    const times = f.mtime > 0 ? client.fsetstat(handle, { atime: f.mtime, mtime: f.mtime }) : undefined;
    closed = client.closeHandle(handle);
    const [w, , c] = await Promise.allSettled([writes, times, closed]);
    // A failed WRITE or CLOSE (a server reports a late write error there) means the bytes may not be whole.
    if (w.status === 'rejected') throw w.reason;
    if (c.status === 'rejected') throw c.reason;
    if (signal.aborted) throw signal.reason;
    await client.rename(temp, target, replace);
    ctx.onBytes(data.length);
  } catch (err) {
    if (!closed) client.closeHandle(handle).catch(() => undefined);
    await client.remove(temp).catch(() => undefined);
    throw err;
  }
}

/** Reads a whole local file of `size` bytes (not through links). Throws SFTP_LOCAL_IO, SFTP_SIZE_CHANGED. */
async function readWhole(path: Buffer, size: number): Promise<Buffer> {
  let fd: FileHandle;
  try {
    fd = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw localIoError(err, 'open');
  }
  try {
    // One byte more than planned: a file that grew is caught, not cut short.
    const buf = Buffer.allocUnsafe(size + 1);
    const { bytesRead } = await fd.read(buf, 0, size + 1, 0).catch((err: unknown) => {
      throw localIoError(err, 'read');
    });
    if (bytesRead !== size) throw sftpError('SFTP_SIZE_CHANGED', { expected: size });
    return buf.subarray(0, size);
  } finally {
    await fd.close().catch(() => undefined);
  }
}

async function freeRemoteName(client: SftpClient, target: Buffer): Promise<Buffer> {
  const dir = remoteParent(target);
  const base = Buffer.from(remoteBase(target));
  for (let n = 1; n < 10_000; n++) {
    const candidate = joinRemote(dir, numberedName(base, n));
    if (!(await client.lstat(candidate).catch(() => null))) return candidate;
  }
  throw sftpError('SFTP_EXISTS');
}
