// One terminal session's log: the shell's output, as plain text or as
// asciicast v2, in one new 0600 file that stops at a size cap. Only output
// is logged (what the server sends, its echo of typed keys included), never
// what the person types, so a password typed while the terminal has echo
// off never reaches the file (docs/SECURITY.md, SSH 11).
//
// The cap stops the file rather than rotating it: a runaway `yes` would
// otherwise rotate away the start of the session (the login, the commands
// that caused it), which is the part people keep logs for. When the next
// piece of output would pass the cap, one marker line says logging stopped,
// and the file never grows past the cap. A write that fails (a full disk)
// stops this log and is reported once through `onFailure`; nothing is ever
// thrown into the terminal's data path.
import type { HostdeckError } from '../../shared/errors.js';
import type { SessionLogMode } from '../../shared/session-logs.js';
import { AsciicastEncoder } from './asciicast.js';
import { logWriteFailed } from './errors.js';
import { LogFile, type OpenLogFile } from './log-file.js';
import { PlainTextFilter } from './plain-text.js';

/** What one session's log needs. */
export interface SessionLogOptions {
  /** Absolute path of the new file (it must not exist). */
  path: string;
  format: Exclude<SessionLogMode, 'off'>;
  /** The file never grows past this many bytes. */
  capBytes: number;
  /** The pty's size in character cells, and its TERM. */
  cols: number;
  rows: number;
  term: string;
  /** The tab's title, written in the asciicast header. */
  title: string;
  /** Ms since the Unix epoch. */
  startedAt: number;
  /** Monotonic ms for asciicast times (performance.now() unless a test drives it). */
  clock?: () => number;
  /** Called once when a write fails (LOG_WRITE_FAILED); logging of this session has then stopped. */
  onFailure: (err: HostdeckError<'LOG_WRITE_FAILED'>) => void;
  /** Test hook: how the file is opened (default: a new 0600 file, log-file.ts). */
  open?: OpenLogFile;
}

/** Turns output into the file's text, one format each. */
interface Encoder {
  output(chunk: Uint8Array): string;
  resize(cols: number, rows: number): string;
  note(text: string): string;
  end(): string;
}

/** One session's log file. Throws the fs error when the file cannot be created. */
export class SessionLog {
  readonly #file: LogFile;
  readonly #encoder: Encoder;
  readonly #opts: SessionLogOptions;
  #stopped = false;
  #failed = false;

  constructor(opts: SessionLogOptions) {
    this.#opts = opts;
    this.#file = new LogFile(opts.path, (err) => this.#fail(err), opts.open);
    this.#encoder = opts.format === 'plain' ? plainEncoder() : asciicastEncoder(opts);
    if (opts.format === 'asciicast') {
      const header = new AsciicastEncoder().header({
        cols: opts.cols,
        rows: opts.rows,
        startedAt: opts.startedAt,
        term: opts.term,
        title: opts.title,
      });
      this.#file.append(header);
    }
  }

  /** The file's path. */
  get path(): string {
    return this.#file.path;
  }

  /** True once the cap was reached, a write failed, or the log was closed. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Bytes accepted into the file so far. */
  get size(): number {
    return this.#file.size;
  }

  /** A chunk of the shell's output (stdout and stderr as the pty merged them). */
  output(chunk: Uint8Array): void {
    if (!this.#stopped) this.#add(this.#encoder.output(chunk));
  }

  /** The terminal's new size in cells (an asciicast "r" event; nothing in plain text). */
  resize(cols: number, rows: number): void {
    if (!this.#stopped) this.#add(this.#encoder.resize(cols, rows));
  }

  /** Writes the unfinished line, then closes the file. Never rejects. */
  async close(): Promise<void> {
    if (!this.#stopped) {
      this.#add(this.#encoder.end());
      this.#stopped = true;
    }
    await this.#file.close();
  }

  #add(text: string): void {
    if (text === '') return;
    const bytes = Buffer.from(text, 'utf8');
    const marker = this.#marker();
    if (this.#file.size + bytes.length + Buffer.byteLength(marker) <= this.#opts.capBytes) {
      if (!this.#file.append(bytes)) this.#stopFull();
      return;
    }
    // Plain text keeps what fits, cut at a character boundary; an asciicast event is kept whole or not at all.
    if (this.#opts.format === 'plain') {
      const room = this.#opts.capBytes - this.#file.size - Buffer.byteLength(marker);
      this.#file.append(bytes.subarray(0, utf8Boundary(bytes, Math.max(0, room))));
    }
    this.#file.append(marker);
    this.#stopped = true;
  }

  /** The line that says the cap was reached, in the file's format. */
  #marker(): string {
    const mib = Math.round((this.#opts.capBytes / (1024 * 1024)) * 10) / 10;
    return this.#encoder.note(`\r\n[Hostdeck: logging stopped here: this log reached its ${mib} MiB cap.]\r\n`);
  }

  /** The disk fell 16 MiB behind: stop, and say so in the file once what is queued is written. */
  #stopFull(): void {
    this.#stopped = true;
    const note = this.#encoder.note('\r\n[Hostdeck: logging stopped here: the disk could not keep up.]\r\n');
    void this.#file.flushed().then(() => this.#file.append(note));
  }

  #fail(err: unknown): void {
    this.#stopped = true;
    if (this.#failed) return;
    this.#failed = true;
    this.#opts.onFailure(logWriteFailed(this.#opts.path, err));
  }
}

function plainEncoder(): Encoder {
  const filter = new PlainTextFilter();
  return {
    output: (chunk) => filter.push(chunk),
    resize: () => '',
    note: (text) => text.replace(/\r\n/g, '\n'),
    end: () => filter.end(),
  };
}

function asciicastEncoder(opts: SessionLogOptions): Encoder {
  const encoder = new AsciicastEncoder(opts.clock);
  return {
    output: (chunk) => encoder.output(chunk),
    resize: (cols, rows) => encoder.resize(cols, rows),
    note: (text) => encoder.note(text),
    end: () => encoder.end(),
  };
}

/** The largest length ≤ `max` that does not cut a UTF-8 character of `bytes` in two. */
function utf8Boundary(bytes: Uint8Array, max: number): number {
  let n = Math.min(max, bytes.length);
  // Back off continuation bytes (10xxxxxx) to the start of their character.
  while (n > 0 && n < bytes.length && ((bytes[n] as number) & 0xc0) === 0x80) n--;
  return n;
}
