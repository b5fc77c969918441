// One log file on disk: created new (never an existing file, never through
// a symlink someone left there), mode 0600, appended to without blocking the
// main process. Writes queue in memory while the disk catches up; the queue
// is bounded, and a write that fails stops the file for good (the caller is
// told once) instead of throwing into the terminal's data path.
import { closeSync, constants, fchmodSync, openSync, write } from 'node:fs';

/** More than this many bytes waiting for the disk (16 MiB) and the file stops taking data. */
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** Opens a file descriptor for writing; a test hook can point it at /dev/full to make every write fail (ENOSPC). */
export type OpenLogFile = (path: string) => number;

/**
 * Creates `path` exclusively (O_CREAT | O_EXCL | O_NOFOLLOW, so neither an
 * existing file nor a planted symlink is written through) with mode 0600.
 * Throws the fs error (EEXIST, ENOENT, EACCES...).
 */
export const openNewLogFile: OpenLogFile = (path) => {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const fd = openSync(path, flags, 0o600);
  try {
    // The umask can only remove bits; set 0600 exactly anyway, in case the file system ignores the open's mode.
    fchmodSync(fd, 0o600);
  } catch {
    // A file system without modes (FAT on a USB stick): nothing more to do.
  }
  return fd;
};

/** An append-only log file with an in-memory queue; `error` is reported once, after which nothing is written. */
export class LogFile {
  /** The file's absolute path. */
  readonly path: string;
  readonly #fd: number;
  readonly #onError: (err: unknown) => void;
  #queue: Buffer[] = [];
  #queued = 0;
  #accepted = 0;
  #writing = false;
  #failed = false;
  #closed = false;
  #drained: Array<() => void> = [];

  /** Opens `path` with `open` (default openNewLogFile); throws what it throws. `onError` gets the first write error. */
  constructor(path: string, onError: (err: unknown) => void, open: OpenLogFile = openNewLogFile) {
    this.path = path;
    this.#fd = open(path);
    this.#onError = onError;
  }

  /** Bytes accepted so far (written or queued). */
  get size(): number {
    return this.#accepted;
  }

  /** Bytes waiting for the disk. */
  get queued(): number {
    return this.#queued;
  }

  /** False once a write failed or the file was closed. */
  get writable(): boolean {
    return !this.#failed && !this.#closed;
  }

  /** Queues `text` (UTF-8). Returns false, writing nothing, when the file failed or closed or the queue is full. */
  append(text: string | Buffer): boolean {
    if (!this.writable) return false;
    const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    if (buf.length === 0) return true;
    if (this.#queued + buf.length > MAX_QUEUED_BYTES) return false;
    this.#queue.push(buf);
    this.#queued += buf.length;
    this.#accepted += buf.length;
    this.#pump();
    return true;
  }

  /** Resolves once nothing is queued (or the file failed). Never rejects. */
  async flushed(): Promise<void> {
    if (this.#writing) await new Promise<void>((resolve) => this.#drained.push(resolve));
  }

  /** Writes what is queued, then closes the file. Never rejects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flushed();
    this.#closed = true;
    try {
      closeSync(this.#fd);
    } catch {
      // Already gone with the failed disk: nothing to keep.
    }
  }

  #pump(): void {
    if (this.#writing || this.#failed || this.#queue.length === 0) {
      if (!this.#writing) for (const resolve of this.#drained.splice(0)) resolve();
      return;
    }
    const buf = this.#queue.length === 1 ? (this.#queue[0] as Buffer) : Buffer.concat(this.#queue);
    this.#queue = [];
    this.#writing = true;
    this.#writeAll(buf, 0);
  }

  #writeAll(buf: Buffer, offset: number): void {
    write(this.#fd, buf, offset, buf.length - offset, null, (err, n) => {
      if (err) return this.#fail(err);
      if (offset + n < buf.length) return this.#writeAll(buf, offset + n);
      this.#queued -= buf.length;
      this.#writing = false;
      this.#pump();
    });
  }

  #fail(err: unknown): void {
    this.#failed = true;
    this.#writing = false;
    this.#queue = [];
    this.#queued = 0;
    this.#onError(err);
    for (const resolve of this.#drained.splice(0)) resolve();
  }
}
