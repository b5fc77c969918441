// A folder downloaded into the browser arrives as one ZIP, written as it
// streams: store only (no compression: most of what people move is already
// compressed, and deflate would cost main a core), sizes and CRC-32 after
// each file's data (general purpose bit 3, a data descriptor), ZIP64 records
// only where a size or an offset does not fit in 32 bits. APPNOTE.TXT 6.3.x
// (PKWARE): §4.3.7 local header, §4.3.9 data descriptor, §4.3.12 central
// directory, §4.3.14–16 ZIP64 end records, §4.5.3 the ZIP64 extra field.
// Written here rather than taken from a library: it is ~150 lines, needs no
// compression, and must hold backpressure on every write (the caller awaits
// each one), which the streaming ZIP packages on npm do through their own
// buffering.
import { crc32 } from 'node:zlib';

const U32 = 0xffffffff;
const U16 = 0xffff;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const VERSION_ZIP64 = 45;
const VERSION_PLAIN = 20;
/** "Made by" Unix (3), so external attributes carry the mode (APPNOTE 4.4.2). */
const MADE_BY = (3 << 8) | VERSION_ZIP64;

interface Entry {
  name: Buffer;
  utf8: boolean;
  dir: boolean;
  time: number;
  date: number;
  crc: number;
  size: number;
  offset: number;
  mode: number;
}

/** Writes a ZIP archive entry by entry through `write`, whose promise is awaited (backpressure). */
export class ZipStream {
  readonly #write: (b: Buffer) => Promise<void>;
  readonly #entries: Entry[] = [];
  #offset = 0;
  #open: Entry | undefined;

  constructor(write: (b: Buffer) => Promise<void>) {
    this.#write = write;
  }

  /** Bytes written so far. */
  get offset(): number {
    return this.#offset;
  }

  /** A folder entry ("a/b/"); mtime in seconds. */
  async folder(path: Buffer, mtime: number): Promise<void> {
    const name = path[path.length - 1] === 0x2f ? path : Buffer.concat([path, Buffer.from('/')]);
    const e = this.#entry(name, true, mtime, 0o40755);
    await this.#emit(localHeader(e, false));
    this.#entries.push(e);
  }

  /** Starts a file entry of `size` bytes (decides ZIP64 up front); then data(), then end(). */
  async begin(path: Buffer, mtime: number, size: number, mode: number): Promise<void> {
    if (this.#open) throw new Error('zip: an entry is still open');
    const e = this.#entry(path, false, mtime, 0o100000 | (mode & 0o777 || 0o644));
    e.size = size;
    this.#open = e;
    await this.#emit(localHeader(e, true));
  }

  /** Bytes of the open entry, in order. */
  async data(chunk: Buffer): Promise<void> {
    const e = this.#open;
    if (!e) throw new Error('zip: no open entry');
    e.crc = crc32(chunk, e.crc);
    await this.#emit(chunk);
  }

  /** Ends the open entry: `written` must be the size given to begin(). */
  async end(written: number): Promise<void> {
    const e = this.#open;
    if (!e || written !== e.size) throw new Error('zip: entry size differs from what was announced');
    this.#open = undefined;
    const wide = e.size >= U32;
    const d = Buffer.alloc(wide ? 24 : 16);
    d.writeUInt32LE(0x08074b50, 0);
    d.writeUInt32LE(e.crc >>> 0, 4);
    if (wide) {
      d.writeBigUInt64LE(BigInt(e.size), 8);
      d.writeBigUInt64LE(BigInt(e.size), 16);
    } else {
      d.writeUInt32LE(e.size, 8);
      d.writeUInt32LE(e.size, 12);
    }
    await this.#emit(d);
    this.#entries.push(e);
  }

  /** The central directory and the end records. */
  async finish(): Promise<void> {
    const start = this.#offset;
    for (const e of this.#entries) await this.#emit(centralHeader(e));
    const size = this.#offset - start;
    const count = this.#entries.length;
    const zip64 = count >= U16 || start >= U32 || size >= U32;
    if (zip64) {
      const at = this.#offset;
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE(MADE_BY, 12);
      rec.writeUInt16LE(VERSION_ZIP64, 14);
      rec.writeBigUInt64LE(BigInt(count), 24);
      rec.writeBigUInt64LE(BigInt(count), 32);
      rec.writeBigUInt64LE(BigInt(size), 40);
      rec.writeBigUInt64LE(BigInt(start), 48);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(0x07064b50, 0);
      loc.writeBigUInt64LE(BigInt(at), 8);
      loc.writeUInt32LE(1, 16);
      await this.#emit(Buffer.concat([rec, loc]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(Math.min(count, U16), 8);
    end.writeUInt16LE(Math.min(count, U16), 10);
    end.writeUInt32LE(Math.min(size, U32), 12);
    end.writeUInt32LE(Math.min(start, U32), 16);
    await this.#emit(end);
  }

  #entry(name: Buffer, dir: boolean, mtime: number, mode: number): Entry {
    const { time, date } = dosTime(mtime);
    const utf8 = Buffer.from(name.toString('utf8'), 'utf8').equals(name);
    return { name, utf8, dir, time, date, crc: 0, size: 0, offset: this.#offset, mode };
  }

  async #emit(b: Buffer): Promise<void> {
    this.#offset += b.length;
    await this.#write(b);
  }
}

function localHeader(e: Entry, descriptor: boolean): Buffer {
  const wide = e.size >= U32;
  const extra = wide ? zip64Extra([0, 0]) : Buffer.alloc(0);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(wide ? VERSION_ZIP64 : VERSION_PLAIN, 4);
  h.writeUInt16LE((descriptor ? FLAG_DESCRIPTOR : 0) | (e.utf8 ? FLAG_UTF8 : 0), 6);
  h.writeUInt16LE(0, 8);
  h.writeUInt16LE(e.time, 10);
  h.writeUInt16LE(e.date, 12);
  // CRC and sizes follow in the data descriptor (bit 3); ZIP64 marks them 0xFFFFFFFF.
  h.writeUInt32LE(wide ? U32 : 0, 18);
  h.writeUInt32LE(wide ? U32 : 0, 22);
  h.writeUInt16LE(e.name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, e.name, extra]);
}

function centralHeader(e: Entry): Buffer {
  const wideSize = e.size >= U32;
  const wideOffset = e.offset >= U32;
  const fields = [...(wideSize ? [e.size, e.size] : []), ...(wideOffset ? [e.offset] : [])];
  const extra = fields.length > 0 ? zip64Extra(fields) : Buffer.alloc(0);
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(MADE_BY, 4);
  h.writeUInt16LE(fields.length > 0 ? VERSION_ZIP64 : VERSION_PLAIN, 6);
  h.writeUInt16LE((e.dir ? 0 : FLAG_DESCRIPTOR) | (e.utf8 ? FLAG_UTF8 : 0), 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(e.time, 12);
  h.writeUInt16LE(e.date, 14);
  h.writeUInt32LE(e.crc >>> 0, 16);
  h.writeUInt32LE(wideSize ? U32 : e.size, 20);
  h.writeUInt32LE(wideSize ? U32 : e.size, 24);
  h.writeUInt16LE(e.name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  // External attributes: the Unix mode in the high half; MS-DOS's directory bit for folders.
  h.writeUInt32LE(((e.mode << 16) | (e.dir ? 0x10 : 0)) >>> 0, 38);
  h.writeUInt32LE(wideOffset ? U32 : e.offset, 42);
  return Buffer.concat([h, e.name, extra]);
}

/** The ZIP64 extended information extra field (header ID 0x0001) with 8-byte values. */
function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + values.length * 8);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(values.length * 8, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + i * 8));
  return b;
}

/** MS-DOS date and time (local time, 2-second steps, 1980–2107), APPNOTE 4.4.6. */
function dosTime(seconds: number): { time: number; date: number } {
  const d = new Date(Math.max(seconds, 315_532_800) * 1000);
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}
