// One page socket joined to one target stream. The only place bytes move:
// page binary frames -> target.write, target data -> page binary frames, with
// backpressure both ways so neither a slow browser nor a slow target makes
// main buffer without bound (docs/SECURITY.md, "Gateway" 7).
import net from 'node:net';
import { Stream, type Duplex } from 'node:stream';
import type { WebSocket, RawData } from 'ws';
import {
  GatewayClose,
  GatewayCloseReason,
  closeForTargetError,
  type GatewayCloseInfo,
} from '../../shared/gateway-protocol.js';
import { StateMachine, type StateListener, type TransitionTable } from '../../shared/state-machine.js';
import type { GatewayLink, GatewayTarget, TargetOpener } from './target.js';

/**
 * opening: waiting for the opener; open: bytes flow; closing: the target is
 * gone and the page has been sent a close frame (RFC 6455 §7.1.2), whose
 * answer is awaited; closed: the page's WebSocket is closed and the target
 * destroyed.
 */
export type SessionState = 'opening' | 'open' | 'closing' | 'closed';

/**
 * Every move a session makes; any other throws IllegalTransitionError
 * (docs/CONTRIBUTING.md, "Code": each connection is one explicit state
 * machine). close() moves to closing from
 * opening or open (an opener that failed, a target that ended, a bad frame,
 * gateway shutdown); the page's socket closing moves to closed from any
 * state (a page that goes away first skips closing). A late opener result
 * after opening is destroyed, not a move.
 */
const SESSION_TRANSITIONS: TransitionTable<SessionState> = {
  opening: ['open', 'closing', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** Per-session backpressure settings, from GatewayOptions. */
export interface SessionLimits {
  /** Bytes queued towards the page above which the target is paused. */
  pageHighWaterMark: number;
  /** Gather the frames of one burst of target reads into one writev (see #streamOnData). */
  corkWrites: boolean;
}

/** Counters shared by every session of one gateway. */
export interface TrafficTotals {
  framesToPage: number;
  bytesToPage: number;
  bytesFromPage: number;
}

/** One session's counters and flow-control state, in bytes and frames. */
export interface SessionStats {
  id: number;
  state: SessionState;
  bytesToPage: number;
  bytesFromPage: number;
  /** Binary frames sent to the page (bytesToPage / framesToPage: the frame size). */
  framesToPage: number;
  /** Bytes handed to the page's socket and not yet written to the kernel. */
  bufferedToPage: number;
  /** Page bytes held while the target opens. */
  heldFromPage: number;
  /** True while the target's reads are paused because the page is behind. */
  targetPaused: boolean;
  /** True while the page's reads are paused because the target is behind. */
  pagePaused: boolean;
}

/** Reads at least this large are bulk transfer (libuv reads up to 64 KiB). */
const CORK_MIN_READ = 16 * 1024;

/**
 * One page WebSocket joined to one target stream, with backpressure both ways and one close code for how it ended
 * (shared/gateway-protocol.ts).
 */
export class Session {
  /** Number unique within this gateway, in start order (for logs and stats). */
  readonly id: number;
  readonly #state = new StateMachine<SessionState>('gateway session', 'opening', SESSION_TRANSITIONS);
  readonly #ws: WebSocket;
  /** The page's TCP socket under ws, used for corking only; ws owns its reads and writes. */
  readonly #pageSocket: Duplex;
  #corked = false;
  readonly #limits: SessionLimits;
  readonly #totals: TrafficTotals;
  readonly #onClosed: (session: Session) => void;
  readonly #abort = new AbortController();
  #stream: Duplex | undefined;
  #receiveControl: ((text: string) => void) | undefined;
  #held: Array<{ data: Buffer; isBinary: boolean }> = [];
  #heldBytes = 0;
  #bytesToPage = 0;
  #bytesFromPage = 0;
  #framesToPage = 0;
  #targetPaused = false;
  #pagePaused = false;

  constructor(
    id: number,
    ws: WebSocket,
    pageSocket: Duplex,
    limits: SessionLimits,
    totals: TrafficTotals,
    onClosed: (session: Session) => void,
  ) {
    this.id = id;
    this.#ws = ws;
    this.#pageSocket = pageSocket;
    this.#limits = limits;
    this.#totals = totals;
    this.#onClosed = onClosed;
    ws.on('message', this.#wsOnMessage);
    ws.on('close', this.#wsOnClose);
    // Errors (protocol violations, resets) are followed by 'close', where the
    // target is torn down; ws has already chosen the close code (1002, 1009...).
    ws.on('error', this.#wsOnError);
  }

  /** The current state (see SessionState). */
  get state(): SessionState {
    return this.#state.state;
  }

  /**
   * Calls `listener(next, previous)` after every move of SESSION_TRANSITIONS;
   * returns its disposer. A move the table does not allow throws
   * IllegalTransitionError (code INTERNAL_ILLEGAL_TRANSITION) from the
   * session's own event handler: it is a bug in the gateway.
   */
  subscribeState(listener: StateListener<SessionState>): () => void {
    return this.#state.subscribe(listener);
  }

  /** Calls the opener; page bytes wait (read side paused) until it answers. */
  start(opener: TargetOpener): void {
    // Bytes the page sends before the target is open stay in the kernel (and
    // push back on the page) rather than in main's memory.
    this.#ws.pause();
    const link: GatewayLink = { sendControl: (m) => this.#sendControl(m), signal: this.#abort.signal };
    let opened: Promise<Duplex | GatewayTarget>;
    try {
      opened = opener(link);
    } catch (err) {
      opened = Promise.reject(err);
    }
    opened.then(this.#onOpened, this.#onOpenFailed);
  }

  /** A snapshot of this session's counters. */
  stats(): SessionStats {
    return {
      id: this.id,
      state: this.#state.state,
      bytesToPage: this.#bytesToPage,
      bytesFromPage: this.#bytesFromPage,
      framesToPage: this.#framesToPage,
      bufferedToPage: this.#state.is('closed') ? 0 : this.#ws.bufferedAmount,
      heldFromPage: this.#heldBytes,
      targetPaused: this.#targetPaused,
      pagePaused: this.#pagePaused,
    };
  }

  /**
   * Destroys the target and sends the page a close frame with `info`: an
   * RFC 6455 §7.4.1 code (1001 going away, 1003 unsupported data, 1011
   * internal error) or one of Hostdeck's 4000–4999 codes (§7.4.2) from
   * GatewayClose, and a reason of at most 123 bytes (§5.5). Moves opening or
   * open to closing; later calls do nothing. The session reaches closed when
   * the page answers (or ws gives up on it).
   */
  close(info: GatewayCloseInfo): void {
    if (this.#state.is('closing', 'closed')) return;
    this.#state.to('closing');
    this.#dropHeld();
    this.#destroyTarget();
    this.#ws.close(info.code, info.reason);
    // The page's reply to our close frame must be read even if its socket was
    // paused for backpressure, or the handshake waits for ws's 30 s timer.
    this.#pagePaused = false;
    this.#ws.resume();
  }

  /** Drops the page socket at once (gateway shutdown after the grace period). */
  terminate(): void {
    this.#ws.terminate();
  }

  #onOpened = (result: Duplex | GatewayTarget): void => {
    const target = isGatewayTarget(result) ? result : { stream: result };
    if (!this.#state.is('opening')) {
      target.stream.on('error', () => {});
      target.stream.destroy();
      return;
    }
    this.#state.to('open');
    const stream = target.stream;
    this.#stream = stream;
    this.#receiveControl = target.receiveControl?.bind(target);
    // Small frames (keystrokes, RFB input events) must not wait for Nagle.
    if (stream instanceof net.Socket) stream.setNoDelay(true);
    stream.on('data', this.#streamOnData);
    stream.on('end', this.#streamOnEnd);
    stream.on('error', this.#streamOnError);
    stream.on('close', this.#streamOnClose);
    stream.on('drain', this.#streamOnDrain);
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    for (const m of held) {
      if (!this.#state.is('open')) return;
      this.#deliver(m.data, m.isBinary);
    }
    if (this.#state.is('open') && !this.#pagePaused) this.#ws.resume();
  };

  #onOpenFailed = (err: unknown): void => {
    if (!this.#state.is('opening')) return;
    this.close(closeForTargetError((err as { code?: unknown } | null)?.code, false));
  };

  #wsOnMessage = (data: RawData, isBinary: boolean): void => {
    // binaryType is 'nodebuffer' (the default): data is one Buffer.
    const buf = data as Buffer;
    if (this.#state.is('open')) {
      this.#deliver(buf, isBinary);
    } else if (this.#state.is('opening')) {
      // The page's socket is paused while opening, so at most what ws parsed
      // from a read already in hand lands here; it keeps its order.
      this.#heldBytes += buf.length;
      this.#held.push({ data: buf, isBinary });
    }
  };

  #deliver(data: Buffer, isBinary: boolean): void {
    const stream = this.#stream as Duplex;
    if (!isBinary) {
      if (this.#receiveControl === undefined) {
        this.close({ code: GatewayClose.UNSUPPORTED_DATA, reason: GatewayCloseReason.TEXT_NOT_ACCEPTED });
        return;
      }
      try {
        this.#receiveControl(data.toString('utf8'));
      } catch {
        this.close({ code: GatewayClose.INTERNAL, reason: GatewayCloseReason.CONTROL_FAILED });
      }
      return;
    }
    this.#bytesFromPage += data.length;
    this.#totals.bytesFromPage += data.length;
    if (!stream.write(data) && !this.#pagePaused) {
      // The target is behind: stop reading the page until it drains.
      this.#pagePaused = true;
      this.#ws.pause();
    }
  }

  #streamOnDrain = (): void => {
    if (!this.#pagePaused) return;
    this.#pagePaused = false;
    if (this.#state.is('open')) this.#ws.resume();
  };

  #streamOnData = (chunk: Buffer): void => {
    if (!this.#state.is('open')) return;
    this.#bytesToPage += chunk.length;
    this.#totals.bytesToPage += chunk.length;
    this.#framesToPage++;
    this.#totals.framesToPage++;
    // libuv reads a readable socket up to 32 times per wake-up, one 'data'
    // event each. A bulk read (a full-ish read buffer) starts a cork that
    // lasts until setImmediate, after this poll phase, so that burst leaves
    // in one writev instead of one syscall per frame. Small reads (a
    // keystroke echo) are not held: corking them cost round-trip time, and
    // corking only when the page was already behind lost the gain (--ab).
    if (this.#limits.corkWrites && !this.#corked && chunk.length >= CORK_MIN_READ) {
      this.#corked = true;
      this.#pageSocket.cork();
      setImmediate(this.#uncorkPage);
    }
    // ws.bufferedAmount counts ws's own queue plus the socket's unwritten
    // bytes. Crossing the mark pauses the target; the callback of the frame
    // that crossed it fires once that frame reached the kernel, and the
    // target resumes then.
    if (this.#ws.bufferedAmount + chunk.length >= this.#limits.pageHighWaterMark) {
      this.#targetPaused = true;
      (this.#stream as Duplex).pause();
      this.#ws.send(chunk, { binary: true }, this.#pageOnFlushed);
    } else {
      this.#ws.send(chunk, { binary: true });
    }
  };

  #uncorkPage = (): void => {
    this.#corked = false;
    this.#pageSocket.uncork();
  };

  #pageOnFlushed = (err?: Error | null): void => {
    // Node passes null (not undefined) when the write succeeded.
    if (err || !this.#state.is('open') || !this.#targetPaused) return;
    this.#targetPaused = false;
    this.#stream?.resume();
  };

  #streamOnEnd = (): void => {
    this.close({ code: GatewayClose.TARGET_CLOSED, reason: GatewayCloseReason.TARGET_CLOSED });
  };

  #streamOnError = (err: Error): void => {
    this.close(closeForTargetError((err as { code?: unknown }).code, true));
  };

  #streamOnClose = (): void => {
    // Destroyed without 'end' or 'error' (an SSH channel torn down, say).
    this.close({ code: GatewayClose.TARGET_CLOSED, reason: GatewayCloseReason.TARGET_CLOSED });
  };

  #sendControl(message: object): void {
    if (this.#state.is('closed') || this.#ws.readyState !== this.#ws.OPEN) return;
    // Same queue as the byte frames, so order with the stream is kept.
    this.#ws.send(JSON.stringify(message), { binary: false });
  }

  #wsOnError = (): void => {
    // Nothing to do: 'close' follows and tears the target down.
  };

  #wsOnClose = (): void => {
    if (this.#state.is('closed')) return;
    this.#state.to('closed');
    this.#dropHeld();
    this.#ws.off('message', this.#wsOnMessage);
    this.#destroyTarget();
    this.#abort.abort();
    this.#onClosed(this);
  };

  #dropHeld(): void {
    this.#held = [];
    this.#heldBytes = 0;
  }

  #destroyTarget(): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    this.#stream = undefined;
    this.#targetPaused = false;
    stream.off('data', this.#streamOnData);
    stream.off('end', this.#streamOnEnd);
    stream.off('close', this.#streamOnClose);
    stream.off('drain', this.#streamOnDrain);
    // The error listener stays: a destroyed socket may still report ECONNRESET.
    stream.destroy();
  }
}

function isGatewayTarget(x: Duplex | GatewayTarget): x is GatewayTarget {
  return !(x instanceof Stream) && typeof x === 'object' && x !== null && 'stream' in x;
}
