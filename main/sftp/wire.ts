// SFTP version 3 on the wire (draft-ietf-secsh-filexfer-02, the version
// OpenSSH speaks), with no I/O: packets are built into Buffers and replies are
// cut from a byte stream. Names and paths are bytes throughout (Buffer), so a
// name that is not UTF-8 survives a round trip exactly.
import { HostdeckError } from '../../shared/errors.js';

/** Packet types (draft-ietf-secsh-filexfer-02 §3). */
export const FXP = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;

/** Status codes (§7). */
export const FX = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;

/** SSH_FXF_* open flags (§6.3). */
export const OPEN_FLAGS = { READ: 1, WRITE: 2, APPEND: 4, CREAT: 8, TRUNC: 0x10, EXCL: 0x20 } as const;

const ATTR = { SIZE: 0x1, UIDGID: 0x2, PERMISSIONS: 0x4, ACMODTIME: 0x8, EXTENDED: 0x80000000 } as const;

/** Largest reply accepted (OpenSSH's sftp-server sends at most 256 KiB; a little room above it). */
export const MAX_REPLY_BYTES = 512 * 1024;

/** File attributes (§5); absent fields were not sent. size is exact up to 2^53. */
export interface Attrs {
  size?: number;
  uid?: number;
  gid?: number;
  mode?: number;
  atime?: number;
  mtime?: number;
}

/** An SFTP_PROTOCOL error for a malformed reply; `what` names the fault and goes in details. */
export function protocolError(what: string): HostdeckError {
  return new HostdeckError(
    'SFTP_PROTOCOL',
    'The server sent something that is not valid SFTP, so Hostdeck stopped. Nothing more was written.',
    { what },
  );
}

/** Builds one request: length, type, id, then fields. */
export class PacketWriter {
  readonly #parts: Buffer[] = [];
  #len = 0;

  constructor(type: number, id?: number) {
    this.byte(type);
    if (id !== undefined) this.u32(id);
  }

  /** Appends one byte (0–255). */
  byte(v: number): this {
    return this.#push(Buffer.from([v]));
  }

  /** Appends a uint32, big-endian; v is taken mod 2^32. */
  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0);
    return this.#push(b);
  }

  /** Appends a uint64, big-endian (offsets and sizes in bytes); v must be a safe non-negative integer. */
  u64(v: number): this {
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64BE(BigInt(v));
    return this.#push(b);
  }

  /** An SSH string: uint32 length, then the bytes (text is sent as UTF-8). */
  string(v: Buffer | string): this {
    const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    this.u32(bytes.length);
    return this.#push(bytes);
  }

  /** Appends an ATTRS block (draft-ietf-secsh-filexfer-02 §5): flags, then only the fields present; uid/gid and atime/mtime go in pairs. */
  attrs(a: Attrs): this {
    let flags = 0;
    if (a.size !== undefined) flags |= ATTR.SIZE;
    if (a.uid !== undefined && a.gid !== undefined) flags |= ATTR.UIDGID;
    if (a.mode !== undefined) flags |= ATTR.PERMISSIONS;
    if (a.atime !== undefined && a.mtime !== undefined) flags |= ATTR.ACMODTIME;
    this.u32(flags);
    if (a.size !== undefined) this.u64(a.size);
    if (flags & ATTR.UIDGID) this.u32(a.uid as number).u32(a.gid as number);
    if (a.mode !== undefined) this.u32(a.mode);
    if (flags & ATTR.ACMODTIME) this.u32(a.atime as number).u32(a.mtime as number);
    return this;
  }

  /** The packet, length prefix included. */
  finish(): Buffer {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(this.#len);
    return Buffer.concat([head, ...this.#parts], this.#len + 4);
  }

  #push(b: Buffer): this {
    this.#parts.push(b);
    this.#len += b.length;
    return this;
  }
}

/** Reads fields of one reply; any overrun is SFTP_PROTOCOL. */
export class PacketReader {
  /** The whole packet being read (type byte onward). */
  readonly buf: Buffer;
  #pos: number;

  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.#pos = pos;
  }

  /** Bytes left unread. */
  get remaining(): number {
    return this.buf.length - this.#pos;
  }

  /** Reads one byte. Throws SFTP_PROTOCOL past the end. */
  byte(): number {
    this.#need(1);
    return this.buf[this.#pos++] as number;
  }

  /** Reads a big-endian uint32. Throws SFTP_PROTOCOL past the end. */
  u32(): number {
    this.#need(4);
    const v = this.buf.readUInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }

  /** Reads a big-endian uint64. Throws SFTP_PROTOCOL past the end or above 2^53. */
  u64(): number {
    this.#need(8);
    // Two uint32 halves, no BigInt: every READDIR entry has one (a size), 10,000 a listing.
    const hi = this.buf.readUInt32BE(this.#pos);
    const lo = this.buf.readUInt32BE(this.#pos + 4);
    this.#pos += 8;
    if (hi > 0x1fffff) throw protocolError('a size beyond 2^53');
    return hi * 0x1_0000_0000 + lo;
  }

  /** An SSH string's bytes, as a view into the packet (copy it to keep it past the packet). */
  bytes(): Buffer {
    const n = this.u32();
    this.#need(n);
    const v = this.buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return v;
  }

  /** An SSH string decoded as UTF-8 (invalid bytes become U+FFFD). Throws SFTP_PROTOCOL past the end. */
  text(): string {
    return this.bytes().toString('utf8');
  }

  /** Reads an ATTRS block (§5); extended pairs are skipped. Throws SFTP_PROTOCOL past the end or over 1024 extended pairs. */
  attrs(): Attrs {
    const flags = this.u32();
    const a: Attrs = {};
    if (flags & ATTR.SIZE) a.size = this.u64();
    if (flags & ATTR.UIDGID) {
      a.uid = this.u32();
      a.gid = this.u32();
    }
    if (flags & ATTR.PERMISSIONS) a.mode = this.u32();
    if (flags & ATTR.ACMODTIME) {
      a.atime = this.u32();
      a.mtime = this.u32();
    }
    if (flags & ATTR.EXTENDED) {
      const count = this.u32();
      if (count > 1024) throw protocolError('too many extended attributes');
      for (let i = 0; i < count; i++) {
        this.bytes();
        this.bytes();
      }
    }
    return a;
  }

  #need(n: number): void {
    if (this.#pos + n > this.buf.length) throw protocolError('a reply shorter than its fields');
  }
}

/**
 * Cuts a byte stream into packets. Chunks are kept as they came and joined
 * once per packet, so a 256 KiB DATA reply arriving as eight 32 KiB SSH
 * packets is copied once.
 */
export class PacketCutter {
  readonly #chunks: Buffer[] = [];
  #have = 0;
  #want = -1;

  /** Feeds bytes; returns the complete packets (without their length prefix). Throws SFTP_PROTOCOL on a packet over MAX_REPLY_BYTES. */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#have += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.#want < 0) {
        if (this.#have < 4) break;
        this.#want = this.#take(4).readUInt32BE(0);
        if (this.#want > MAX_REPLY_BYTES || this.#want < 1) throw protocolError(`a reply of ${this.#want} bytes`);
      }
      if (this.#have < this.#want) break;
      out.push(this.#take(this.#want));
      this.#want = -1;
    }
    return out;
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    let result: Buffer;
    if (first.length >= n) {
      result = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      result = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const c = this.#chunks[0] as Buffer;
        const k = Math.min(c.length, n - off);
        c.copy(result, off, 0, k);
        off += k;
        if (k === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(k);
      }
    }
    this.#have -= n;
    return result;
  }
}
