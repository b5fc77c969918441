// The gateway target for an SSH shell tab (main/gateway/target.ts): page
// binary frames → shell stdin; shell output → page; page text frames are the
// control messages of shared/terminal-protocol.ts. Modelled on xterm.js's
// AttachAddon, plus the flow control of xterm.js's flow-control guide
// (xtermjs.org/docs/guides/flowcontrol): we count bytes sent to the page and
// the page acks bytes it has drawn.
//
// Latency-aware flow control (flow-rate.ts, flow-window.ts): the bytes in
// flight, from the SSH window the server may still fill to xterm.js's write
// buffer, are held to a budget (32 KiB to 2 MiB) that grows only while the
// page waits for bytes and shrinks when they queue more than about 10 ms in
// front of it, as its acks show. Two levers hold them there:
// the SSH window is granted by the bridge, only up to that budget, and
// the channel is paused while more than the budget is unacknowledged (resumed
// below half of it), which also bounds memory against a server that ignores
// its window. So Ctrl+C in a flood waits for the least that keeps the page
// drawing plus the round trip, not for the megabytes a throughput-sized
// window let pile up.
// Input from the page also opens a small reserve of window (INPUT_RESERVE), so
// the reply to a keystroke, such as the prompt after Ctrl+C, does not wait in
// sshd for the page's next ack.
//
// With fixed watermarks (BridgeOptions), or when ssh2's window cannot be taken
// over, the bridge only pauses and resumes the channel, as before: a paused
// ssh2 channel stops adjusting its window (RFC 4254 §5.2) once its own buffer
// is full, so memory stays at HIGH plus ssh2's buffer (at most two 2 MiB
// windows).
import { Duplex } from 'node:stream';
import type { GatewayLink, GatewayTarget } from '../gateway/target.js';
import { ACK_EVERY_BYTES, parsePageControl, type MainControlMessage } from '../../shared/terminal-protocol.js';
import { FlowBudget } from './flow-rate.js';
import { PeerWindow } from './flow-window.js';
import type { ShellEnd, SshShell } from './shell.js';

// The fixed window Hostdeck used before flow control became latency-aware
// (chosen for throughput alone: `npm run bench -- app` measured 8.2–8.7 MB/s at
// 2 MiB / 512 KiB against 6.5 MB/s at 512 KiB / 128 KiB, but Ctrl+C in a flood
// then waited for up to 6 MB to be drawn). Used only when a caller asks for
// fixed watermarks without naming them.
/** Fixed mode: pause the channel above this many unacknowledged bytes (2 MiB). */
export const DEFAULT_HIGH_WATERMARK = 2 * 1024 * 1024;
/** Fixed mode: resume the channel below this many unacknowledged bytes (512 KiB); capped at the high watermark. */
export const DEFAULT_LOW_WATERMARK = 512 * 1024;

/** The smallest window top-up (bytes) once the budget is larger than four of them: one page ack. */
const GRANT_STEP = ACK_EVERY_BYTES;

/**
 * Window (bytes) the page's input opens beyond the budget when the server's
 * window is nearly closed: room for the reply (echo, or the prompt after
 * Ctrl+C). In a flood the window is usually used up, and without this the
 * reply waited in sshd until the page had drawn and acked the next
 * ACK_EVERY_BYTES: 10–90 ms measured in `npm run bench -- app` (median 49 ms
 * when the window was closed at Ctrl+C). 16 KiB covers the pty read sshd may
 * hold ahead of the prompt (4–8 KiB seen) and the prompt itself. In flight
 * stays at or below the budget plus this.
 */
export const INPUT_RESERVE = 16 * 1024;
/**
 * How long after the input the reserve is granted (ms). sshd reads the pty
 * before it writes to it in one pass of its loop (OpenSSH channels.c
 * channel_post_open: rfd, then wfd), so a window that arrived with the Ctrl+C
 * would be used for output the interrupt is about to discard (the pty flushes
 * it, termios ISIG without NOFLSH). A few ms later the Ctrl+C is in the pty.
 */
const INPUT_RESERVE_DELAY_MS = 5;

/** Flow-control settings; none given (the default) means latency-aware flow control. */
export interface BridgeOptions {
  /**
   * Fixed watermarks (bytes unacknowledged): pause above high, resume below
   * low, ssh2 granting its own window. Without them the budget adapts to the
   * page's drawing rate and the bridge grants the SSH window.
   */
  highWatermark?: number;
  lowWatermark?: number;
  /** Milliseconds, monotonic; performance.now() unless a test drives the clock. */
  clock?: () => number;
}

/**
 * One shell tab's bridge between an SshShell and the page's socket. When the shell
 * ends it sends one exit or error frame, then ends the stream; an aborted link closes the shell.
 */
export class ShellBridge implements GatewayTarget {
  /** Page bytes in (to the shell's stdin), shell stdout and stderr out, one frame per burst of output. */
  readonly stream: Duplex;
  readonly #shell: SshShell;
  readonly #link: GatewayLink;
  readonly #fixed: { high: number; low: number } | null;
  readonly #window: PeerWindow | null;
  readonly #budget = new FlowBudget();
  readonly #clock: () => number;
  #unacked = 0;
  #pausedForAcks = false;
  #pausedForStream = false;
  #ended = false;
  /** Output of the current burst, sent as one frame (see #channelOnData). */
  #pending: Buffer[] = [];
  #flushQueued = false;
  #reserveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(shell: SshShell, link: GatewayLink, opts: BridgeOptions = {}) {
    this.#shell = shell;
    this.#link = link;
    this.#clock = opts.clock ?? (() => performance.now());
    const fixed = opts.highWatermark !== undefined || opts.lowWatermark !== undefined;
    const high = opts.highWatermark ?? DEFAULT_HIGH_WATERMARK;
    this.#fixed = fixed ? { high, low: Math.min(high, opts.lowWatermark ?? DEFAULT_LOW_WATERMARK) } : null;
    const channel = shell.channel;
    this.#window = fixed ? null : PeerWindow.takeOver(channel);
    this.stream = new Duplex({
      read: () => {
        this.#pausedForStream = false;
        this.#updateFlow();
      },
      write: (chunk: Buffer, _enc, cb) => {
        if (this.#ended) return cb();
        channel.write(chunk, () => cb());
        this.#reserveForReply();
      },
      final: (cb) => cb(),
      destroy: (err, cb) => {
        this.#dispose();
        cb(err);
      },
    });
    channel.on('data', this.#channelOnData);
    channel.stderr.on('data', this.#channelOnData);
    shell.once('exit', this.#shellOnExit);
    link.signal.addEventListener('abort', this.#linkOnAbort, { once: true });
    // The shell is open: tell the page before its first byte (terminal-protocol.ts 'ready').
    link.sendControl({ type: 'ready' } satisfies MainControlMessage);
  }

  /** Bytes sent to the page (or about to be) and not yet acknowledged. */
  get unacked(): number {
    return this.#unacked;
  }

  /** Whether the SSH channel is currently paused. */
  get paused(): boolean {
    return this.#pausedForAcks || this.#pausedForStream;
  }

  /** The bound on bytes in flight (bytes): the fixed HIGH, or the page-steered budget (flow-rate.ts). */
  get high(): number {
    return this.#fixed?.high ?? this.#budget.budget;
  }

  /** Below this many unacknowledged bytes a paused channel resumes and the window is topped up (bytes). */
  get low(): number {
    return this.#fixed?.low ?? Math.floor(this.high / 2);
  }

  /** The queueing delay (ms) in front of the page that the last ack showed, or null before one (flow-rate.ts). */
  get queueMs(): number | null {
    return this.#budget.queueMs;
  }

  /** Bytes the server may still send (SSH window), or null when ssh2 grants the window (fixed watermarks). */
  get peerWindow(): number | null {
    return this.#window?.remaining ?? null;
  }

  /**
   * Every output byte between sshd and the page's screen that Hostdeck knows
   * of: unacknowledged, buffered in ssh2, and the SSH window still open to
   * the server (what it may have sent already). With the window taken over
   * this stays at or below `high`, past the initial window (flow-window.ts).
   */
  get inFlight(): number {
    const c = this.#shell.channel;
    return this.#unacked + c.readableLength + c.stderr.readableLength + Math.max(0, this.#window?.remaining ?? 0);
  }

  /**
   * One page text frame: resize, or an ack of bytes drawn (capped at what is unacked).
   * A malformed frame is answered with an SSH_BAD_CONTROL error frame; nothing is thrown.
   */
  receiveControl(text: string): void {
    const parsed = parsePageControl(text);
    if (!parsed.ok) {
      // A bad frame is refused on its own; the shell and the socket go on.
      this.#link.sendControl({
        type: 'error',
        code: 'SSH_BAD_CONTROL',
        message: `Hostdeck ignored a control message: ${parsed.reason}.`,
      });
      return;
    }
    const msg = parsed.message;
    if (msg.type === 'resize') this.#shell.resize(msg.cols, msg.rows);
    else {
      // An ack for more than was sent (a confused or hostile page) counts only what was sent.
      const bytes = Math.min(msg.bytes, this.#unacked);
      // The budget held the output back when what the server sent and the page has not drawn
      // fills half of it (a granted window the server leaves unused says nothing).
      const produced = this.inFlight - Math.max(0, this.#window?.remaining ?? 0);
      this.#unacked -= bytes;
      this.#budget.acked(this.#clock(), bytes, produced >= this.high / 2, msg.idle ?? 0);
      this.#updateFlow();
    }
  }

  readonly #channelOnData = (data: Buffer): void => {
    if (this.#ended) return;
    this.#unacked += data.length;
    // ssh2 parses a whole socket read at once, so a burst arrives as many
    // small channel packets in one tick (a pty hands sshd ~4 KiB at a time).
    // Sending them as one frame after the tick saves a WebSocket frame and a
    // page callback per packet and adds no delay to a lone keystroke echo.
    this.#pending.push(data);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flush);
    }
    this.#updateFlow();
  };

  readonly #flush = (): void => {
    this.#flushQueued = false;
    if (this.#pending.length === 0 || this.stream.destroyed) return;
    const chunk = this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending);
    this.#pending = [];
    this.#budget.sent(this.#clock(), chunk.length);
    if (!this.stream.push(chunk)) {
      this.#pausedForStream = true;
      this.#updateFlow();
    }
  };

  #updateFlow(): void {
    if (this.#ended) return;
    const high = this.high;
    const low = this.low;
    // With the window granted here, the window bounds the server and the pause is a backstop
    // (a server ignoring its window): it leaves room for the input reserve.
    if (this.#unacked > high + (this.#window ? INPUT_RESERVE : 0)) this.#pausedForAcks = true;
    else if (this.#unacked < low) this.#pausedForAcks = false;
    const channel = this.#shell.channel;
    if (this.paused) {
      channel.pause();
      channel.stderr.pause();
      return;
    }
    channel.resume();
    channel.stderr.resume();
    // Top the server's window up to the budget whenever a step of it is free
    // (CHANNEL_WINDOW_ADJUST, RFC 4254 §5.2): the page then always has bytes
    // queued behind what it draws, so the time fresh bytes take to arrive is
    // hidden, while one adjust covers several acks.
    const free = high - this.inFlight;
    if (this.#window && free >= Math.min(GRANT_STEP, high / 4)) this.#window.grant(free);
  }

  /** After input, opens the window to INPUT_RESERVE (soon, see INPUT_RESERVE_DELAY_MS), in flight at most budget + reserve. */
  #reserveForReply(): void {
    if (!this.#window || this.#reserveTimer) return;
    this.#reserveTimer = setTimeout(() => {
      this.#reserveTimer = null;
      const window = this.#window;
      if (this.#ended || !window || window.remaining >= INPUT_RESERVE) return;
      const room = this.high + INPUT_RESERVE - this.inFlight;
      window.grant(Math.min(INPUT_RESERVE - Math.max(0, window.remaining), room));
    }, INPUT_RESERVE_DELAY_MS);
  }

  readonly #shellOnExit = (end: ShellEnd): void => {
    if (this.#ended) return;
    // The one frame that says how the session ended goes before the end of the stream,
    // so the page sees it before the close (target.ts).
    this.#flush();
    this.#link.sendControl(endFrame(end));
    this.#ended = true;
    this.#detach();
    this.stream.push(null);
    this.stream.end();
  };

  readonly #linkOnAbort = (): void => {
    this.#dispose();
  };

  #detach(): void {
    const channel = this.#shell.channel;
    channel.removeListener('data', this.#channelOnData);
    channel.stderr.removeListener('data', this.#channelOnData);
    this.#shell.removeListener('exit', this.#shellOnExit);
    this.#link.signal.removeEventListener('abort', this.#linkOnAbort);
    if (this.#reserveTimer) clearTimeout(this.#reserveTimer);
    this.#reserveTimer = null;
    this.#window?.release();
  }

  #dispose(): void {
    if (!this.#ended) {
      this.#ended = true;
      this.#detach();
    }
    this.#shell.close();
  }
}

/** The control frame for each way a shell ends (shared/terminal-protocol.ts). */
function endFrame(end: ShellEnd): MainControlMessage {
  switch (end.kind) {
    case 'exit':
      return { type: 'exit', code: end.code, signal: null };
    case 'signal':
      return { type: 'exit', code: null, signal: end.signal };
    case 'channel-closed':
      return { type: 'exit', code: null, signal: null };
    case 'connection-lost':
      return { type: 'error', code: end.error.code, message: end.error.message };
  }
}
