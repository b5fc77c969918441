// An SFTP v3 client over one SSH channel (the 'sftp' subsystem). Our own,
// not ssh2's SFTP: ssh2 sends and decodes every path as UTF-8 text, which
// loses names that are not UTF-8, and its fastGet/fastPut choose request
// sizes we need to choose by measurement (docs/SFTP.md). Requests are
// pipelined: each carries an id and any number may be in flight; replies
// resolve them in whatever order they come (OpenSSH answers in order).
//
// Events: 'close' (error: HostdeckError | null) once, when the channel ends.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { HostdeckError } from '../../shared/errors.js';
import { sftpError, statusError } from './errors.js';
import { FX, FXP, PacketCutter, PacketReader, PacketWriter, protocolError, type Attrs } from './wire.js';

/** A directory entry as the server sent it: name bytes, OpenSSH's ls-style long name, attributes. */
export interface RawEntry {
  name: Buffer;
  longname: string;
  attrs: Attrs;
}

/** What one request may carry (limits@openssh.com, or SFTP v3's 32 KiB floor). */
export interface SftpLimits {
  maxRead: number;
  maxWrite: number;
}

interface Pending {
  resolve(r: PacketReader & { type: number }): void;
  reject(err: HostdeckError): void;
}

/** A WRITE request built around its data, so a file read lands in the packet without a copy. */
export interface WritePacket {
  buf: Buffer;
  /** Where the data goes in buf. */
  dataAt: number;
  capacity: number;
}

const MIN_LIMIT = 32 * 1024;
/**
 * Requests up to this size wait for the end of the current turn of the event
 * loop and go out together in one channel write: one SSH packet (OpenSSH
 * offers 32 KiB channel packets), one encryption and one socket write for
 * what would be dozens (sixteen small files each asking OPEN, CLOSE,
 * FSETSTAT, RENAME at once). Larger ones (WRITE data) go out as they are,
 * after whatever waits, so the order on the wire is the order asked.
 */
const COALESCE_MAX = 16 * 1024;
/** A batch is written as soon as it reaches this many bytes. */
const BATCH_BYTES = 32 * 1024 - 64;

/** An SFTP v3 client (draft-ietf-secsh-filexfer-02) over an RFC 4254 §6.5 'sftp' subsystem channel; create with start(). */
export class SftpClient extends EventEmitter {
  readonly #channel: Duplex;
  readonly #cutter = new PacketCutter();
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed: HostdeckError | null | undefined;
  #drain: Promise<void> | undefined;
  readonly #batch: Buffer[] = [];
  #batchBytes = 0;
  #flushQueued = false;
  /** Extension name → data from the server's VERSION packet (draft-ietf-secsh-filexfer-02 §4). */
  readonly extensions = new Map<string, string>();
  /** Largest READ/WRITE payload in bytes: limits@openssh.com (OpenSSH PROTOCOL) when offered, clamped to 32–256 KiB. */
  limits: SftpLimits = { maxRead: MIN_LIMIT, maxWrite: MIN_LIMIT };

  private constructor(channel: Duplex) {
    super();
    this.#channel = channel;
    channel.on('data', (chunk: Buffer) => this.#channelOnData(chunk));
    channel.on('close', () => this.#end(sftpError('SFTP_CLOSED')));
    channel.on('error', (err: Error) => this.#end(sftpError('SFTP_CLOSED', { reason: err.message })));
  }

  /** Sends INIT, reads VERSION and the server's limits. Throws SFTP_PROTOCOL, SFTP_CLOSED. */
  static async start(channel: Duplex): Promise<SftpClient> {
    const client = new SftpClient(channel);
    await client.#handshake();
    return client;
  }

  /** True once the channel closed or close() was called; later requests fail with SFTP_CLOSED. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Requests waiting for their reply. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** True when the channel's buffer is full: wait for drained() before more large writes. */
  get congested(): boolean {
    return this.#channel.writableNeedDrain;
  }

  /** Resolves when the channel can take more (or has closed); one shared wait for every caller. */
  drained(): Promise<void> {
    if (!this.#channel.writableNeedDrain || this.closed) return Promise.resolve();
    this.#drain ??= new Promise((resolve) => {
      const done = (): void => {
        this.#channel.off('drain', done);
        this.off('close', done);
        this.#drain = undefined;
        resolve();
      };
      this.#channel.on('drain', done);
      this.on('close', done);
    });
    return this.#drain;
  }

  /** Ends the channel; pending requests fail with SFTP_CLOSED. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.#flush();
    this.#channel.end();
    this.#end(null);
  }

  /** OPEN (§6.3) with SSH_FXF_* pflags; returns the handle. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async open(path: Buffer, flags: number, attrs: Attrs = {}): Promise<Buffer> {
    const r = await this.#request('open', new PacketWriter(FXP.OPEN, 0).string(path).u32(flags).attrs(attrs));
    return Buffer.from(expect(r, FXP.HANDLE, 'open').bytes());
  }

  /** CLOSE (§6.3) of a file or directory handle. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async closeHandle(handle: Buffer): Promise<void> {
    expectOk(await this.#request('close', new PacketWriter(FXP.CLOSE, 0).string(handle)), 'close');
  }

  /** Up to len bytes at offset; null at end of file. The Buffer may be shorter than len (a short read). */
  async read(handle: Buffer, offset: number, len: number): Promise<Buffer | null> {
    const r = await this.#request('read', new PacketWriter(FXP.READ, 0).string(handle).u64(offset).u32(len));
    if (r.type === FXP.STATUS) {
      const status = r.u32();
      if (status === FX.EOF) return null;
      throw statusError(status, safeText(r), 'read');
    }
    const data = expect(r, FXP.DATA, 'read').bytes();
    if (data.length > len) throw protocolError('more data than was asked for');
    return data;
  }

  /** A WRITE packet with room for `capacity` bytes of data; fill buf from dataAt, then send it with write(). */
  writePacket(handle: Buffer, capacity: number): WritePacket {
    const dataAt = 4 + 1 + 4 + 4 + handle.length + 8 + 4;
    const buf = Buffer.allocUnsafe(dataAt + capacity);
    buf[4] = FXP.WRITE;
    buf.writeUInt32BE(handle.length, 9);
    handle.copy(buf, 13);
    return { buf, dataAt, capacity };
  }

  /** Sends len bytes of a WritePacket's data to offset. */
  async write(packet: WritePacket, offset: number, len: number): Promise<void> {
    const { buf, dataAt } = packet;
    const total = dataAt + len;
    buf.writeUInt32BE(total - 4, 0);
    buf.writeBigUInt64BE(BigInt(offset), dataAt - 12);
    buf.writeUInt32BE(len, dataAt - 4);
    expectOk(await this.#send('write', buf.subarray(0, total), 5), 'write');
  }

  /** LSTAT (§6.8): attrs of the link itself, not its target. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async lstat(path: Buffer): Promise<Attrs> {
    return expect(
      await this.#request('lstat', new PacketWriter(FXP.LSTAT, 0).string(path)),
      FXP.ATTRS,
      'lstat',
    ).attrs();
  }

  /** STAT (§6.8), following symlinks. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async stat(path: Buffer): Promise<Attrs> {
    return expect(await this.#request('stat', new PacketWriter(FXP.STAT, 0).string(path)), FXP.ATTRS, 'stat').attrs();
  }

  /** FSTAT (§6.8) of an open handle. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async fstat(handle: Buffer): Promise<Attrs> {
    return expect(
      await this.#request('fstat', new PacketWriter(FXP.FSTAT, 0).string(handle)),
      FXP.ATTRS,
      'fstat',
    ).attrs();
  }

  /** SETSTAT (§6.9): only the attrs given are sent. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async setstat(path: Buffer, attrs: Attrs): Promise<void> {
    expectOk(await this.#request('setstat', new PacketWriter(FXP.SETSTAT, 0).string(path).attrs(attrs)), 'setstat');
  }

  /** FSETSTAT (§6.9) on an open handle. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async fsetstat(handle: Buffer, attrs: Attrs): Promise<void> {
    expectOk(
      await this.#request('fsetstat', new PacketWriter(FXP.FSETSTAT, 0).string(handle).attrs(attrs)),
      'fsetstat',
    );
  }

  /** OPENDIR (§6.7); returns the handle for readdir(). Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async opendir(path: Buffer): Promise<Buffer> {
    const r = await this.#request('opendir', new PacketWriter(FXP.OPENDIR, 0).string(path));
    return Buffer.from(expect(r, FXP.HANDLE, 'opendir').bytes());
  }

  /** One batch of entries; null at the end of the folder. Names are copied out of the packet. */
  async readdir(handle: Buffer): Promise<RawEntry[] | null> {
    const r = await this.#request('readdir', new PacketWriter(FXP.READDIR, 0).string(handle));
    if (r.type === FXP.STATUS) {
      const status = r.u32();
      if (status === FX.EOF) return null;
      throw statusError(status, safeText(r), 'readdir');
    }
    expect(r, FXP.NAME, 'readdir');
    const count = r.u32();
    // Each entry takes at least 12 bytes: a count beyond that is a lie.
    if (count * 12 > r.remaining) throw protocolError('a NAME count larger than the packet');
    const out: RawEntry[] = [];
    for (let i = 0; i < count; i++) out.push({ name: Buffer.from(r.bytes()), longname: r.text(), attrs: r.attrs() });
    return out;
  }

  /** REMOVE (§6.5) of a file. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async remove(path: Buffer): Promise<void> {
    expectOk(await this.#request('remove', new PacketWriter(FXP.REMOVE, 0).string(path)), 'remove');
  }

  /** MKDIR (§6.6). Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async mkdir(path: Buffer, attrs: Attrs = {}): Promise<void> {
    expectOk(await this.#request('mkdir', new PacketWriter(FXP.MKDIR, 0).string(path).attrs(attrs)), 'mkdir');
  }

  /** RMDIR (§6.6) of an empty folder. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply. */
  async rmdir(path: Buffer): Promise<void> {
    expectOk(await this.#request('rmdir', new PacketWriter(FXP.RMDIR, 0).string(path)), 'rmdir');
  }

  /** REALPATH (§6.11): the canonical absolute path as bytes. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply; SFTP_PROTOCOL if the NAME is empty. */
  async realpath(path: Buffer): Promise<Buffer> {
    return firstName(await this.#request('realpath', new PacketWriter(FXP.REALPATH, 0).string(path)), 'realpath');
  }

  /** READLINK (§6.10): the link's target bytes, unresolved. Throws SFTP_NOT_FOUND, SFTP_PERMISSION_DENIED, SFTP_FAILURE or SFTP_CLOSED from the STATUS reply; SFTP_PROTOCOL if the NAME is empty. */
  async readlink(path: Buffer): Promise<Buffer> {
    return firstName(await this.#request('readlink', new PacketWriter(FXP.READLINK, 0).string(path)), 'readlink');
  }

  /**
   * Renames, replacing an existing target when the server has
   * posix-rename@openssh.com (plain SFTP v3 RENAME refuses an existing target).
   */
  async rename(from: Buffer, to: Buffer, replace = false): Promise<void> {
    const w =
      replace && this.extensions.has('posix-rename@openssh.com')
        ? new PacketWriter(FXP.EXTENDED, 0).string('posix-rename@openssh.com').string(from).string(to)
        : new PacketWriter(FXP.RENAME, 0).string(from).string(to);
    expectOk(await this.#request('rename', w), 'rename');
  }

  async #handshake(): Promise<void> {
    const reply = new Promise<PacketReader & { type: number }>((resolve, reject) =>
      this.#pending.set(-1, { resolve, reject }),
    );
    this.#channel.write(new PacketWriter(FXP.INIT).u32(3).finish());
    const r = await reply;
    if (r.type !== FXP.VERSION) throw protocolError('no VERSION reply');
    while (r.remaining > 0) this.extensions.set(r.text(), r.text());
    if (this.extensions.has('limits@openssh.com')) await this.#readLimits();
  }

  async #readLimits(): Promise<void> {
    const r = await this.#request('limits', new PacketWriter(FXP.EXTENDED, 0).string('limits@openssh.com'));
    if (r.type !== FXP.EXTENDED_REPLY) return;
    r.u64(); // max packet length
    const maxRead = r.u64();
    const maxWrite = r.u64();
    // 0 means "no limit" (OpenSSH PROTOCOL, limits@openssh.com); keep ours under our reply cap.
    const cap = (v: number): number => Math.max(MIN_LIMIT, Math.min(v === 0 ? 256 * 1024 : v, 256 * 1024));
    this.limits = { maxRead: cap(maxRead), maxWrite: cap(maxWrite) };
  }

  #request(op: string, w: PacketWriter): Promise<PacketReader & { type: number }> {
    return this.#send(op, w.finish(), 5);
  }

  /** Stamps a fresh id at idAt and sends; resolves with the reply (its id already read). */
  #send(op: string, packet: Buffer, idAt: number): Promise<PacketReader & { type: number }> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed ?? sftpError('SFTP_CLOSED', { op }));
    const id = this.#nextId;
    this.#nextId = (this.#nextId + 1) >>> 0 || 1;
    packet.writeUInt32BE(id, idAt);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#write(packet);
    });
  }

  #write(packet: Buffer): void {
    if (packet.length > COALESCE_MAX) {
      this.#flush();
      this.#channel.write(packet);
      return;
    }
    this.#batch.push(packet);
    this.#batchBytes += packet.length;
    if (this.#batchBytes >= BATCH_BYTES) this.#flush();
    else if (!this.#flushQueued) {
      this.#flushQueued = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#batch.length === 0 || this.#closed !== undefined) return;
    const out = this.#batch.length === 1 ? (this.#batch[0] as Buffer) : Buffer.concat(this.#batch, this.#batchBytes);
    this.#batch.length = 0;
    this.#batchBytes = 0;
    this.#channel.write(out);
  }

  #channelOnData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const packet of this.#cutter.push(chunk)) this.#dispatch(packet);
    } catch (err) {
      this.#channel.destroy();
      this.#end(err instanceof HostdeckError ? err : protocolError('an unreadable reply'));
    }
  }

  #dispatch(packet: Buffer): void {
    const r = new PacketReader(packet) as PacketReader & { type: number };
    r.type = r.byte();
    const id = r.type === FXP.VERSION ? -1 : r.u32();
    if (r.type === FXP.VERSION) r.u32();
    const pending = this.#pending.get(id);
    if (!pending) throw protocolError('a reply to nothing we asked');
    this.#pending.delete(id);
    pending.resolve(r);
  }

  #end(err: HostdeckError | null): void {
    if (this.#closed !== undefined) return;
    this.#closed = err;
    const reason = err ?? sftpError('SFTP_CLOSED');
    for (const p of this.#pending.values()) p.reject(reason);
    this.#pending.clear();
    this.emit('close', err);
  }
}

function safeText(r: PacketReader): string {
  try {
    return r.text();
  } catch {
    return '';
  }
}

function expect(r: PacketReader & { type: number }, type: number, op: string): PacketReader {
  if (r.type === type) return r;
  if (r.type === FXP.STATUS) {
    const status = r.u32();
    throw statusError(status === FX.OK ? FX.FAILURE : status, safeText(r), op);
  }
  throw protocolError(`reply type ${r.type} to ${op}`);
}

function expectOk(r: PacketReader & { type: number }, op: string): void {
  if (r.type !== FXP.STATUS) throw protocolError(`reply type ${r.type} to ${op}`);
  const status = r.u32();
  if (status !== FX.OK) throw statusError(status, safeText(r), op);
}

function firstName(r: PacketReader & { type: number }, op: string): Buffer {
  expect(r, FXP.NAME, op);
  if (r.u32() < 1) throw protocolError(`an empty ${op} reply`);
  return Buffer.from(r.bytes());
}
