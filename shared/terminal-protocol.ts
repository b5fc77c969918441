// The terminal bridge protocol, in one place (docs/ARCHITECTURE.md, "Opening
// a saved SSH host", steps 9 and 10). One WebSocket per SSH tab, opened with a
// gateway ticket:
//
//   binary frames  = terminal bytes, both ways (keystrokes in, screen out).
//   text frames    = one small JSON object each, for control:
//     page → main  {type:'resize', cols, rows}    the tab's size in cells
//                  {type:'ack', bytes, idle?}     bytes drawn since the page's last ack, and the
//                                                 ms it sat with nothing to draw since then
//     main → page  {type:'ready'}                  the shell is open (sent once, first): the
//                                                 page's socket opens before main has opened
//                                                 the shell, so only this says "connected"
//                  {type:'exit', code, signal}    the shell ended, or the server closed
//                                                 its channel (code and signal null)
//                  {type:'error', code, message}  a HostdeckError for the tab
//                                                 (SSH_DISCONNECTED when the connection was
//                                                 lost, its message saying how; SSH_BAD_CONTROL
//                                                 when a page frame was refused and ignored)
//   A session's end is told by exactly one exit or SSH_DISCONNECTED frame.
//
// Flow control follows xterm.js's flow-control guide ("Flow Control",
// xtermjs.org/docs/guides/flowcontrol): main counts the bytes it sent, the
// page acks what it has written to the terminal, and main pauses the SSH
// channel while too many bytes are unacknowledged.
//
// Pure: no Node and no DOM, so main and the renderer share it.

/**
 * Page → main: the terminal's size in character cells, each 1..MAX_TERMINAL_CELLS; sent on as an SSH window-change (RFC
 * 4254 §6.7).
 */
export interface ResizeMessage {
  type: 'resize';
  cols: number;
  rows: number;
}

/**
 * Page → main flow control: the page has written `bytes` more of the shell's output, so main may resume reading the
 * channel.
 */
export interface AckMessage {
  type: 'ack';
  /** Bytes written to the terminal since the previous ack (not a running total). */
  bytes: number;
  /**
   * Milliseconds since the previous ack during which the page had written
   * everything it had received and waited for more (whole ms, 0..MAX_ACK_IDLE_MS).
   * Main's flow control grows the bytes in flight only for a page that waits
   * (main/ssh/flow-rate.ts). Absent means 0.
   */
  idle?: number;
}

/**
 * Main → page: the shell channel is open (RFC 4254 §6.5 "shell" accepted) and
 * its bytes follow. Sent once, before any output. The page's socket opens
 * when the gateway admits the ticket, before main opens the shell, so a link
 * that fails in between ends a tab that never was connected.
 */
export interface ReadyMessage {
  type: 'ready';
}

/** Main → page: the remote shell ended, with how (both null when the server did not say). */
export interface ExitMessage {
  type: 'exit';
  /**
   * Exit status (RFC 4254 §6.10 exit-status), or null when the shell ended by
   * a signal, or when the server closed the channel without saying how (both
   * null: §6.10 makes exit-status and exit-signal optional).
   */
  code: number | null;
  /** Signal name without "SIG" (RFC 4254 §6.10 exit-signal), or null. */
  signal: string | null;
}

/** Main → page: the session failed; `code` is an error code from shared/errors.ts, `message` the sentence to show. */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
}

/** Messages the page may send. */
export type PageControlMessage = ResizeMessage | AckMessage;
/** Messages main sends to the page. */
export type MainControlMessage = ReadyMessage | ExitMessage | ErrorMessage;

/**
 * The page acks at least this often (bytes written to the terminal), and also
 * once a smaller burst has been written, so main's LOW watermark is reached.
 * 16 KiB, not the 32 KiB chosen first: the smallest budget main keeps in
 * flight is two acks, and on loopback that floor is where the budget settles,
 * so it is what Ctrl+C in a flood waits for (same-run A/B in headless
 * Chromium: Ctrl+C p50 68 ms against 80 ms, 3.67 against 3.45 MB/s drawn).
 * About 200 acks a second at 3.5 MB/s.
 */
export const ACK_EVERY_BYTES = 16 * 1024;

/** A control frame larger than this is refused unparsed (hostile JSON). */
export const MAX_CONTROL_FRAME = 1024;
/** Terminal sizes outside 1..MAX_TERMINAL_CELLS are refused. */
export const MAX_TERMINAL_CELLS = 10_000;
/** An ack is at most this many bytes (far above any watermark). */
export const MAX_ACK_BYTES = 2 ** 32;
/** An ack's idle time is at most this many ms (a day); the page caps what it reports. */
export const MAX_ACK_IDLE_MS = 86_400_000;

/**
 * What the control-frame parsers return: the checked message, or why the frame was refused (for the log, never echoed).
 */
export type ParseResult<T> = { ok: true; message: T } | { ok: false; reason: string };

function isCount(v: unknown, max: number, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * Parses one text frame from the page. Strict: exactly the known keys, integer
 * fields in range; anything else is refused with a reason and never throws.
 */
export function parsePageControl(text: string): ParseResult<PageControlMessage> {
  if (typeof text !== 'string') return { ok: false, reason: 'not text' };
  if (text.length > MAX_CONTROL_FRAME) return { ok: false, reason: 'control frame too large' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'not an object' };
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort().join(',');
  if (obj['type'] === 'resize') {
    if (keys !== 'cols,rows,type') return { ok: false, reason: 'resize needs exactly cols and rows' };
    if (!isCount(obj['cols'], MAX_TERMINAL_CELLS, 1) || !isCount(obj['rows'], MAX_TERMINAL_CELLS, 1)) {
      return { ok: false, reason: 'resize cols/rows out of range' };
    }
    return { ok: true, message: { type: 'resize', cols: obj['cols'], rows: obj['rows'] } };
  }
  if (obj['type'] === 'ack') {
    if (keys !== 'bytes,type' && keys !== 'bytes,idle,type')
      return { ok: false, reason: 'ack needs bytes, and idle at most' };
    if (!isCount(obj['bytes'], MAX_ACK_BYTES, 0)) return { ok: false, reason: 'ack bytes out of range' };
    if (!('idle' in obj)) return { ok: true, message: { type: 'ack', bytes: obj['bytes'] } };
    if (!isCount(obj['idle'], MAX_ACK_IDLE_MS, 0)) return { ok: false, reason: 'ack idle out of range' };
    return { ok: true, message: { type: 'ack', bytes: obj['bytes'], idle: obj['idle'] } };
  }
  return { ok: false, reason: 'unknown message type' };
}
