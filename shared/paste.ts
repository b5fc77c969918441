// What a paste may send to a terminal. A pasted text is data the person
// chose, never keystrokes a web page or a document author chose for them:
// - Bracketed paste (xterm's DECSET 2004) wraps a paste in ESC[200~ …
//   ESC[201~ so the shell inserts it instead of running it. A text that
//   carries its own ESC[201~ ends the bracket early and what follows runs at
//   once (xterm.js 6.0.0 passes it through; fixed upstream in xterm.js PR
//   #5716). So ESC and the C1 controls (U+0080–U+009F, where 0x9B is a
//   one-byte CSI) are removed from every paste, on every paste path.
// - Other C0 controls (Ctrl+C, Ctrl+D, Ctrl+Z…) reach the remote tty's line
//   discipline even inside a bracket; they are removed too. TAB, LF and CR
//   stay: they are text.
// Plain TypeScript: used by the page, tested directly.

/** C0 controls except TAB, LF and CR; DEL; ESC; and the C1 range. */
const UNSAFE_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** A paste longer than this many characters asks first, even on one line. */
export const LARGE_PASTE_CHARS = 4096;

/** What sanitizePaste returns. */
export interface SanitizedPaste {
  /** The text to paste, without control characters. */
  text: string;
  /** How many control characters were removed (for telling the person). */
  removed: number;
}

/** Removes every control character a paste must not carry (see the header). */
export function sanitizePaste(text: string): SanitizedPaste {
  let removed = 0;
  const clean = text.replace(UNSAFE_CONTROLS, () => {
    removed++;
    return '';
  });
  return { text: clean, removed };
}

/**
 * Whether a paste should be confirmed before it is sent: it holds a line
 * break (LF alone counts; a command and its Enter are two "lines" to a shell
 * without bracketed paste) or it is large.
 */
export function pasteNeedsConfirmation(text: string): boolean {
  return /[\r\n]/.test(text) || text.length > LARGE_PASTE_CHARS;
}

/** The lines a paste would send, for showing them before it is sent. */
export function pasteLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
