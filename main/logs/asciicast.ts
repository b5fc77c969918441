// asciicast v2, the format asciinema records and replays
// (docs.asciinema.org/manual/asciicast/v2/): newline-delimited JSON, a
// header object first, then one event array per line, `[time, code, data]`,
// time in seconds from the start as a float, code "o" for output and "r" for
// a resize ("COLSxROWS"). Data is a JSON string, so it must be whole UTF-8
// characters: a character split across two chunks waits for its second half
// (TextDecoder with `stream`).
//
// Only output is recorded, never input ("i" events): what a person types
// appears in the log only as the server echoes it, so nothing typed while
// the terminal has echo off (a password at `sudo`, `read -s`) is ever
// written (docs/SECURITY.md, SSH 11).
//
// I/O-free: each method returns the line(s) to append.

/** The header's fields Hostdeck writes (asciicast v2: version, width, height required; timestamp, env optional). */
export interface AsciicastHeader {
  /** Terminal size in character cells. */
  cols: number;
  rows: number;
  /** When the session started, ms since the Unix epoch (written as whole seconds). */
  startedAt: number;
  /** TERM of the pty (xterm-256color). */
  term: string;
  /** Shown by asciinema as the recording's title. */
  title?: string;
}

/** Encodes one session as asciicast v2 lines, each ending in LF. */
export class AsciicastEncoder {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #clock: () => number;
  readonly #start: number;
  #last = 0;

  /** `clock` is monotonic milliseconds (performance.now() unless a test drives it); time 0 is when this is made. */
  constructor(clock: () => number = () => performance.now()) {
    this.#clock = clock;
    this.#start = clock();
  }

  /** The header line. */
  header(h: AsciicastHeader): string {
    const header: Record<string, unknown> = {
      version: 2,
      width: h.cols,
      height: h.rows,
      timestamp: Math.floor(h.startedAt / 1000),
      env: { TERM: h.term },
    };
    if (h.title !== undefined) header['title'] = h.title;
    return JSON.stringify(header) + '\n';
  }

  /** An "o" event for a chunk of output; '' when the chunk held only part of a character. */
  output(chunk: Uint8Array): string {
    return this.#event('o', this.#decoder.decode(chunk, { stream: true }));
  }

  /** An "r" event: the terminal is now `cols` × `rows` cells. */
  resize(cols: number, rows: number): string {
    return this.#event('r', `${cols}x${rows}`, true);
  }

  /** An "o" event for text Hostdeck adds (the marker when logging stops), not from the server. */
  note(text: string): string {
    return this.#event('o', text);
  }

  /** The end: an "o" event with an incomplete character's bytes as U+FFFD, or ''. */
  end(): string {
    return this.#event('o', this.#decoder.decode());
  }

  #event(code: 'o' | 'r', data: string, always = false): string {
    if (data === '' && !always) return '';
    // Times never go backwards, and six decimals (microseconds) is what asciinema writes.
    this.#last = Math.max(this.#last, (this.#clock() - this.#start) / 1000);
    return `[${this.#last.toFixed(6)}, ${JSON.stringify(code)}, ${JSON.stringify(data)}]\n`;
  }
}
