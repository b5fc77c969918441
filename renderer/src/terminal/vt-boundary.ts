// Where a terminal byte stream stands between control sequences, so that the
// page can put a sequence of its own into it without cutting one of the
// program's in two.
//
// xterm.js parses everything written to it with one parser (the DEC ANSI
// parser of vt100.net/emu/dec_ansi_parser): a sequence written between two
// chunks lands in the parser's state at the end of the first. An ESC there
// aborts a CSI or ends an OSC/DCS string early, and the rest of the
// program's sequence is then printed as text ("38;5;196m" on screen). So a
// page sequence goes in only where the stream is in the ground state.
//
// The state at the end of a chunk depends only on the bytes from its last
// ESC on (ESC starts over from any state), so a chunk is scanned from there,
// and whole only while a sequence is open across chunks. Covered: ESC,
// CSI (ECMA-48 §5.4: parameters and intermediates up to a final byte
// 0x40–0x7E), OSC/DCS/SOS/PM/APC strings (ended by BEL or ST = ESC \),
// and CAN/SUB, which abort a sequence. 8-bit C1 controls (U+0080–U+009F as
// UTF-8) are not followed: programs do not send them in UTF-8 locales.
//
// Pure: no DOM, no clock.

const ESC = 0x1b;
const BEL = 0x07;
const CAN = 0x18;
const SUB = 0x1a;

/** The parser states that matter here (a subset of the DEC parser's). */
type State = 'ground' | 'escape' | 'csi' | 'str' | 'strEscape';

/** Follows a terminal output stream chunk by chunk; `atBoundary` is true between sequences. */
export class VtBoundary {
  #state: State = 'ground';

  /** True when the stream, as scanned so far, is in the ground state (no sequence open). */
  get atBoundary(): boolean {
    return this.#state === 'ground';
  }

  /** Takes the next chunk of the stream. */
  scan(bytes: Uint8Array): void {
    const lastEsc = bytes.lastIndexOf(ESC);
    if (lastEsc < 0) {
      if (this.#state !== 'ground') this.#run(bytes, 0);
      return;
    }
    this.#state = 'escape';
    this.#run(bytes, lastEsc + 1);
  }

  #run(bytes: Uint8Array, from: number): void {
    let s = this.#state;
    for (let i = from; i < bytes.length; i++) s = next(s, bytes[i] as number);
    this.#state = s;
  }
}

function next(s: State, b: number): State {
  if (b === CAN || b === SUB) return 'ground';
  switch (s) {
    case 'ground':
      return b === ESC ? 'escape' : 'ground';
    case 'escape':
      return escapeNext(b);
    case 'csi':
      if (b === ESC) return 'escape';
      return b >= 0x40 && b <= 0x7e ? 'ground' : 'csi';
    case 'str':
      if (b === BEL) return 'ground';
      return b === ESC ? 'strEscape' : 'str';
    default:
      return b === 0x5c ? 'ground' : escapeNext(b);
  }
}

/** After ESC: '[' opens a CSI; ']', 'P', 'X', '^', '_' a string; intermediates and controls wait; a final byte ends it. */
function escapeNext(b: number): State {
  if (b === ESC) return 'escape';
  if (b === 0x5b) return 'csi';
  if (b === 0x5d || b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) return 'str';
  if (b < 0x30) return 'escape';
  return 'ground';
}
