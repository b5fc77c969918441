// When xterm.js may paint while a flood of output streams in.
//
// xterm.js parses what it is given in slices of about 12 ms (its WriteBuffer)
// and asks for a paint of the rows that changed after each slice, at most one
// per animation frame (its RenderDebouncer). In a flood every row changes every
// frame, so the page repaints the whole screen up to 60 times a second. With a
// GPU that is cheap; with a software GL (headless Chromium, many VMs and remote
// desktops) a full paint of a 120×41 screen costs more than parsing the bytes
// it shows, so a page that is fed just enough bytes to keep up (latency-aware
// flow control) spends most of its time painting screens nobody can read, and
// draws the flood at half the rate of a page kept far behind.
//
// The pacer holds paints while a flood streams in, with xterm's own
// synchronized output mode (DEC private mode 2026, "begin/end synchronized
// update", as terminals from Contour to kitty implement it: while it is set,
// xterm.js parses and buffers but does not paint the rows). Parsing, and so the
// page's acks, never wait. A hold ends, and the screen is painted in the next
// frame, as soon as any of these holds:
//   - PAINT_INTERVAL_MS have passed since the last paint (a flood still shows
//     about 1000 / PAINT_INTERVAL_MS screens a second);
//   - the page has parsed everything it received, a key was pressed less than
//     ANSWER_MS ago and the last bytes came in a small frame (at most
//     ANSWER_BYTES): someone waits for an answer, such as the prompt after
//     Ctrl+C, and this looks like it; it is painted as soon as without the
//     pacer;
//   - the page has parsed everything it received and nothing more came for
//     QUIET_MS, or ANSWER_QUIET_MS after a key (the flood ended or paused). Not
//     at once: with flow control the page often parses all it has a moment
//     before the next bytes arrive, and a paint at each of those moments
//     would be most of the paints saved. After Ctrl+C the bytes that were in
//     flight still stream in, and painting at each such moment would slow
//     their drawing and so the prompt.
// A flood starts once FLOOD_BYTES have come in since the last paint within
// PAINT_INTERVAL_MS of it, so a keystroke's echo or a full-screen redraw is
// never held; from then on a hold starts with the first bytes after each
// paint, until a hold ends for quiet or a key (the flood is over, or someone
// waits for its end). A hold never starts before the paint its predecessor
// was released for has happened (xterm.js would skip that paint). The escape sequences go to xterm.js only, never to the server.
//
// A program that uses mode 2026 itself (a full-screen editor, tmux) owns it:
// once the output carries "?2026", the pacer never holds again in that session.
//
// Pure: no DOM and no timers; the caller passes the clock, writes what the
// answers say and calls due() at releaseAt (TerminalSession).
import { VtBoundary } from './vt-boundary.js';

/** Written to xterm.js to hold paints: DECSET 2026 (synchronized output on). */
export const HOLD_PAINT = '\x1b[?2026h';
/** Written to xterm.js to end a hold: DECRST 2026; xterm.js then paints every row held. */
export const RELEASE_PAINT = '\x1b[?2026l';
/** The longest a flood's screen goes unpainted (ms): about 5 screens a second. */
export const PAINT_INTERVAL_MS = 200;
/** How long a drained page waits for more bytes before it ends a hold (ms), unless a key was pressed. */
export const QUIET_MS = 50;
/** For this long after a key is pressed (ms), a drained page ends a hold at once: the answer may be in. */
export const ANSWER_MS = 1000;
/**
 * A frame of at most this many bytes (after a key) may be the answer: a
 * prompt, an echo, a short reply. 8 KiB, not the 2 KiB chosen first: after
 * Ctrl+C in a flood the prompt mostly came in a frame of about 4.1 KB (the
 * rest of the flood's last pty read, then "^C" and the prompt; event logs in
 * headless Chromium), which then waited ANSWER_QUIET_MS more to be painted.
 * Same-run A/B (3 × 5 Ctrl+C, `seq` floods): p50 51 against 56 ms.
 */
export const ANSWER_BYTES = 8 * 1024;
/** QUIET_MS after a key (ms): about one frame. */
export const ANSWER_QUIET_MS = 17;
/** Bytes in since the last paint (within PAINT_INTERVAL_MS of it) from which a hold starts: about three screens. */
export const FLOOD_BYTES = 16 * 1024;
/** "?2026" as bytes: its presence in the output means the program drives synchronized output itself. */
const MODE_2026 = [0x3f, 0x32, 0x30, 0x32, 0x36];

/** Paint pacing for one terminal; feed it the events, write what it answers (module comment). */
export class PaintPacer {
  readonly #interval: number;
  #holding = false;
  /** In a flood: holds start without waiting for FLOOD_BYTES. */
  #flooding = false;
  #lastPaint = -Infinity;
  #sincePaint = 0;
  /** When the page last parsed all it had during a hold (ms), or null while bytes are queued. */
  #drainedAt: number | null = null;
  /** The size of the last frame received (bytes). */
  #lastBytes = 0;
  /** How long the current drain must stay quiet to end the hold (ms). */
  #quietMs = QUIET_MS;
  /** When a key was last pressed (ms). */
  #inputAt = -Infinity;
  /** The program uses mode 2026 itself: never hold. */
  #ownedByProgram = false;
  /** How many bytes of MODE_2026 ended the previous chunk (the sequence may span chunks). */
  #matched = 0;
  /** Where the output stands between the program's control sequences (vt-boundary.ts). */
  readonly #vt = new VtBoundary();

  /** `intervalMs`: the longest a flood's screen goes unpainted (ms), PAINT_INTERVAL_MS unless given. */
  constructor(intervalMs = PAINT_INTERVAL_MS) {
    this.#interval = intervalMs;
  }

  /**
   * True when the output received so far ends between control sequences:
   * only there may HOLD_PAINT or RELEASE_PAINT go into xterm.js (an ESC
   * inside the program's sequence would cut it, and print its rest as text).
   */
  get atBoundary(): boolean {
    return this.#vt.atBoundary;
  }

  /** Whether a hold is in force (HOLD_PAINT written, RELEASE_PAINT not yet). */
  get holding(): boolean {
    return this.#holding;
  }

  /** When the current hold must end (ms, same clock), or null when there is none. */
  get releaseAt(): number | null {
    if (!this.#holding) return null;
    const due = this.#lastPaint + this.#interval;
    return this.#drainedAt === null ? due : Math.min(due, this.#drainedAt + this.#quietMs);
  }

  /**
   * `bytes` arrived at `now` (ms) and are about to be written to xterm.js.
   * Returns true when HOLD_PAINT must be written before them (never when the
   * output so far ends inside a control sequence).
   */
  received(now: number, bytes: Uint8Array): boolean {
    const atBoundary = this.#vt.atBoundary;
    this.#vt.scan(bytes);
    this.#scan(bytes);
    this.#sincePaint += bytes.length;
    this.#lastBytes = bytes.length;
    this.#drainedAt = null;
    // A hold of ours still open when the program takes over is released as usual (drained, due).
    if (this.#ownedByProgram || this.#holding || !atBoundary || now - this.#lastPaint >= this.#interval) return false;
    if (!this.#flooding && this.#sincePaint < FLOOD_BYTES) return false;
    this.#holding = true;
    this.#flooding = true;
    return true;
  }

  /** A key was pressed at `now` (ms; input sent to the shell): for ANSWER_MS a drain may end a hold at once. */
  input(now: number): void {
    this.#inputAt = now;
  }

  /**
   * xterm.js has parsed everything written to it, at `now` (ms). Returns true
   * when RELEASE_PAINT must be written now; otherwise a hold may end at
   * releaseAt.
   */
  drained(now: number): boolean {
    const answer = now - this.#inputAt < ANSWER_MS;
    if (answer && this.#lastBytes <= ANSWER_BYTES) return this.#release(true);
    if (now >= this.#lastPaint + this.#interval) return this.#release(false);
    if (this.#holding) this.#drainedAt = now;
    this.#quietMs = answer ? ANSWER_QUIET_MS : QUIET_MS;
    return false;
  }

  /** The clock reached `now` (ms). Returns true when RELEASE_PAINT must be written now (releaseAt passed). */
  due(now: number): boolean {
    const at = this.releaseAt;
    // Released for quiet: the flood is over.
    return at !== null && now >= at && this.#release(this.#drainedAt !== null);
  }

  /** xterm.js painted the screen at `now` (ms). */
  painted(now: number): void {
    this.#lastPaint = now;
    this.#sincePaint = 0;
  }

  /** Ends the hold, if any; `ended` says the flood is over too. */
  #release(ended: boolean): boolean {
    if (ended) this.#flooding = false;
    if (!this.#holding) return false;
    this.#holding = false;
    this.#drainedAt = null;
    return true;
  }

  /** Looks for MODE_2026, also across chunks; jumps from '?' to '?' (a flood of text rarely has one). */
  #scan(bytes: Uint8Array): void {
    if (this.#ownedByProgram) return;
    let i = 0;
    let matched = this.#matched;
    while (i < bytes.length) {
      if (matched === 0) {
        i = bytes.indexOf(MODE_2026[0] as number, i);
        if (i < 0) break;
      }
      const b = bytes[i++];
      matched = b === MODE_2026[matched] ? matched + 1 : b === MODE_2026[0] ? 1 : 0;
      if (matched === MODE_2026.length) {
        this.#ownedByProgram = true;
        return;
      }
    }
    this.#matched = matched;
  }
}
