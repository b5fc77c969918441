// Serve mode uploads: the bytes of files the page holds (a File from an
// <input type=file> or a drop), pulled over one gateway WebSocket per
// transfer item (shared/sftp-stream.ts). Main asks for one file at a time;
// the page's binary frames become reads for uploadBytes (file-transfer.ts),
// served strictly in order. Memory stays bounded both ways: a frame's write
// callback fires only once every byte of it went into a WRITE packet, so the
// gateway stops reading the page (session.ts) while the SSH side is slower,
// and uploadBytes stops reading while the channel is full.
import { Duplex } from 'node:stream';
import { parsePageUploadControl } from '../../shared/sftp-stream.js';
import type { PageUploadFile } from '../../shared/sftp.js';
import type { GatewayLink, GatewayTarget, TargetOpener } from '../gateway/target.js';
import { sftpError } from './errors.js';
import type { UploadSource } from './move.js';

/** How long main waits for the page to redeem its ticket (the gateway forgets it after 30 s). */
const CONNECT_WAIT_MS = 35_000;

interface PendingRead {
  buf: Buffer;
  at: number;
  len: number;
  filled: number;
  resolve(r: { bytesRead: number }): void;
  reject(err: unknown): void;
}

interface Request {
  seq: number;
  begun: boolean;
  /** The position the next read must ask for. */
  next: number;
  failed?: Error;
}

/**
 * One transfer item's stream of page files. `opener` goes to the gateway
 * (Gateway.issueTicket); `source(index)` asks the page for one file and
 * returns its bytes as an UploadSource. Fails with SFTP_PAGE_GONE once the
 * page's socket closes (or was never opened), SFTP_LOCAL_IO when the browser
 * could not read a file.
 */
export class PageUploadStream {
  /** The item's files, as the page listed them (checked by the API). */
  readonly files: readonly PageUploadFile[];
  /** The item's folders ('/'-separated, empty ones included), as the page listed them (checked by the API). */
  readonly folders: readonly string[];
  readonly #chunks: Array<{ data: Buffer; done: () => void }> = [];
  readonly #reads: PendingRead[] = [];
  #offset = 0;
  #seq = 0;
  #request: Request | undefined;
  #link: GatewayLink | undefined;
  #duplex: Duplex | undefined;
  #gone: Error | undefined;
  #waiters: Array<() => void> = [];
  readonly #timer: NodeJS.Timeout;

  constructor(files: readonly PageUploadFile[], folders: readonly string[] = []) {
    this.files = files;
    this.folders = folders;
    this.#timer = setTimeout(() => {
      if (!this.#link) this.#fail(sftpError('SFTP_PAGE_GONE', { reason: 'the page never connected' }));
    }, CONNECT_WAIT_MS);
    this.#timer.unref();
  }

  /** What the gateway runs when the page redeems the item's ticket (once). */
  readonly opener: TargetOpener = async (link) => {
    if (this.#gone) throw this.#gone;
    this.#link = link;
    clearTimeout(this.#timer);
    link.signal.addEventListener('abort', () => this.#fail(sftpError('SFTP_PAGE_GONE')), { once: true });
    const duplex = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _enc, done) => this.#take(chunk, done),
    });
    duplex.on('error', () => undefined);
    this.#duplex = duplex;
    for (const w of this.#waiters.splice(0)) w();
    const target: GatewayTarget = { stream: duplex, receiveControl: (text) => this.#control(text) };
    return target;
  };

  /** Asks the page for file `index` from its first byte; resolves once its socket is open. */
  async source(index: number, signal: AbortSignal): Promise<UploadSource> {
    await this.#connected(signal);
    this.#dropHeld();
    const request: Request = { seq: ++this.#seq, begun: false, next: 0 };
    this.#request = request;
    (this.#link as GatewayLink).sendControl({ type: 'send', seq: request.seq, file: index });
    const onAbort = (): void => this.#rejectReads(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    return {
      read: (buf, at, len, position) => {
        if (this.#request !== request) return Promise.reject(sftpError('SFTP_CANCELLED'));
        if (this.#gone) return Promise.reject(this.#gone);
        if (request.failed) return Promise.reject(request.failed);
        if (signal.aborted) return Promise.reject(signal.reason);
        // uploadBytes issues reads in increasing offsets; a stream cannot seek.
        if (position !== request.next) return Promise.reject(new Error('page upload reads must be in order'));
        request.next += len;
        return new Promise((resolve, reject) => {
          this.#reads.push({ buf, at, len, filled: 0, resolve, reject });
          this.#pump();
        });
      },
      close: async () => {
        signal.removeEventListener('abort', onAbort);
        if (this.#request === request) this.#request = undefined;
        this.#rejectReads(sftpError('SFTP_CANCELLED'));
        this.#dropHeld();
      },
    };
  }

  /** The item is over (done or cancelled): ends the socket (the page sees close 4003). */
  finish(): void {
    clearTimeout(this.#timer);
    this.#gone ??= sftpError('SFTP_PAGE_GONE', { reason: 'finished' });
    this.#dropHeld();
    this.#duplex?.push(null);
  }

  async #connected(signal: AbortSignal): Promise<void> {
    if (this.#gone) throw this.#gone;
    if (this.#link) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        if (this.#gone) reject(this.#gone);
        else resolve();
      });
    });
  }

  #take(chunk: Buffer, done: () => void): void {
    const r = this.#request;
    // Bytes of a request main gave up on (or sent before any): dropped.
    if (!r || !r.begun || this.#gone) return done();
    this.#chunks.push({ data: chunk, done });
    this.#pump();
  }

  #control(text: string): void {
    const msg = parsePageUploadControl(text);
    // The gateway closes the socket when this throws (1011).
    if (!msg) throw new Error('bad upload control frame');
    const r = this.#request;
    if (!r || msg.seq !== r.seq) return;
    if (msg.type === 'begin') r.begun = true;
    else {
      r.failed = sftpError('SFTP_LOCAL_IO', { reason: 'the browser could not read the file' });
      this.#rejectReads(r.failed);
    }
  }

  #pump(): void {
    while (this.#reads.length > 0 && this.#chunks.length > 0) {
      const read = this.#reads[0] as PendingRead;
      const chunk = this.#chunks[0] as { data: Buffer; done: () => void };
      const n = Math.min(read.len - read.filled, chunk.data.length - this.#offset);
      chunk.data.copy(read.buf, read.at + read.filled, this.#offset, this.#offset + n);
      read.filled += n;
      this.#offset += n;
      if (this.#offset === chunk.data.length) {
        this.#chunks.shift();
        this.#offset = 0;
        chunk.done();
      }
      if (read.filled === read.len) {
        this.#reads.shift();
        read.resolve({ bytesRead: read.len });
      }
    }
  }

  #rejectReads(err: unknown): void {
    for (const r of this.#reads.splice(0)) r.reject(err);
  }

  /** Releases held frames (their write callbacks), so the gateway reads the page again. */
  #dropHeld(): void {
    for (const c of this.#chunks.splice(0)) c.done();
    this.#offset = 0;
  }

  #fail(err: Error): void {
    if (this.#gone) return;
    this.#gone = err;
    this.#rejectReads(err);
    this.#dropHeld();
    for (const w of this.#waiters.splice(0)) w();
  }
}
