// The SSH receive window of one ssh2 channel, granted by Hostdeck instead of
// by ssh2.
//
// The window (RFC 4254 §5.2) is how many bytes the server may send before the
// client grants more; it is the only bound on what sshd, the network and
// ssh2 hold between a program's output and the bridge. ssh2 1.17 grants a
// fixed 2 MiB per channel and tops it up to 2 MiB whenever it falls to 1 MiB
// and the channel's stream is not full (lib/Channel.js windowAdjust, lib/
// client.js CHANNEL_DATA), with no option to change either. Pausing the
// channel does not help: its stream buffers up to 2 MiB more before ssh2
// stops granting, so up to 4 MiB sat behind a paused bridge, all to be drawn
// before the prompt after Ctrl+C.
//
// So the window is taken over, per channel: `incoming.window` becomes an
// accessor that tells ssh2 a number far above its top-up threshold (ssh2 then
// never grants, and never reads the channel as out of window), while the
// real remaining window is kept here and topped up with grant(). What the
// server was granted before the takeover (ssh2's initial 2 MiB, less what it
// used) cannot be taken back: a window only grows.
//
// takeOver() checks the shape it relies on and returns null when it is not
// there (another ssh2 version): the bridge then falls back to pausing the
// channel. test/ssh-flow-interrupt.test.ts fails if that happens with the
// installed ssh2.
//
// The first window is the one in the CHANNEL_OPEN request itself (RFC 4254
// §5.1, "initial window size"), which ssh2 sets to 2 MiB for every channel.
// openWithWindow() has a shell channel opened with a smaller one: it swaps
// ssh2's request writer (lib/protocol/Protocol.js session()) for the length
// of the synchronous call that opens the channel, and settleOpenWindow() then
// tells ssh2 the real figure once the channel is open (ssh2 assumes it granted
// 2 MiB). With the real, small figure ssh2 tops the window up to 2 MiB on the
// first data, as it always does, unless the bridge has taken it over first.
import type { ClientChannel } from 'ssh2';
import { loadCommonJs } from '../load-commonjs.js';

/** Added to the real window in what ssh2 reads: far above its top-up threshold (1 MiB) and never 0. */
const HIDDEN = 2 ** 30;
/** RFC 4254 §5.2: the window is a uint32; Hostdeck never needs more than a few MiB. */
const MAX_WINDOW = 2 ** 31;

interface ChannelInternals {
  incoming: { id: number; window: number };
  outgoing: { id: number; state: string };
  _client: { _protocol: { channelWindowAdjust(id: number, amount: number): void } };
}

/** One channel's receive window (bytes), granted by Hostdeck; made only by takeOver(). */
export class PeerWindow {
  readonly #channel: ChannelInternals;
  #remaining: number;
  #released = false;

  private constructor(channel: ChannelInternals) {
    this.#channel = channel;
    this.#remaining = channel.incoming.window;
    Object.defineProperty(channel.incoming, 'window', {
      configurable: true,
      enumerable: true,
      get: () => this.#remaining + HIDDEN,
      set: (v: number) => {
        this.#remaining = v - HIDDEN;
      },
    });
  }

  /** Takes over the channel's window, or returns null when ssh2's internals are not as expected. */
  static takeOver(channel: ClientChannel): PeerWindow | null {
    const c = channel as unknown as Partial<ChannelInternals>;
    const incoming = c.incoming;
    const desc = incoming ? Object.getOwnPropertyDescriptor(incoming, 'window') : undefined;
    if (!desc || typeof desc.value !== 'number' || desc.writable !== true || desc.configurable !== true) return null;
    if (typeof c.outgoing?.id !== 'number' || typeof c._client?._protocol?.channelWindowAdjust !== 'function')
      return null;
    return new PeerWindow(c as ChannelInternals);
  }

  /**
   * Bytes the server may still send on this channel. Negative when it sent
   * more than it was granted (a server ignoring RFC 4254 §5.2); the bridge's
   * own pause still bounds what is buffered then.
   */
  get remaining(): number {
    return this.#remaining;
  }

  /** Grants the server `bytes` more (CHANNEL_WINDOW_ADJUST), unless the channel is closed or released. */
  grant(bytes: number): void {
    const amount = Math.floor(Math.min(bytes, MAX_WINDOW - Math.max(0, this.#remaining)));
    if (this.#released || amount <= 0 || this.#channel.outgoing.state === 'closed') return;
    this.#remaining += amount;
    this.#channel._client._protocol.channelWindowAdjust(this.#channel.outgoing.id, amount);
  }

  /** Gives the window back to ssh2 as a plain number (it resumes its own top-ups). */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    Object.defineProperty(this.#channel.incoming, 'window', {
      configurable: true,
      enumerable: true,
      writable: true,
      value: Math.max(0, this.#remaining),
    });
  }
}

/** What openWithWindow() relies on in ssh2 (lib/Channel.js, lib/protocol/Protocol.js). */
interface Ssh2Internals {
  /** The window ssh2 grants each channel (2 MiB), and below which it tops it up (1 MiB). */
  max: number;
  threshold: number;
  proto: { session(chan: number, initWindow: number, maxPacket: number): void };
}

/** Per ssh2 protocol object: local channel id → the initial window it was really opened with. */
const smallOpens = new WeakMap<object, Map<number, number>>();

function ssh2Internals(): Ssh2Internals | null {
  try {
    const ch = loadCommonJs('ssh2/lib/Channel.js') as { MAX_WINDOW?: unknown; WINDOW_THRESHOLD?: unknown };
    const protocol = loadCommonJs('ssh2/lib/protocol/Protocol.js') as { prototype?: Ssh2Internals['proto'] };
    if (typeof ch.MAX_WINDOW !== 'number' || typeof ch.WINDOW_THRESHOLD !== 'number') return null;
    if (typeof protocol.prototype?.session !== 'function') return null;
    return { max: ch.MAX_WINDOW, threshold: ch.WINDOW_THRESHOLD, proto: protocol.prototype };
  } catch {
    return null;
  }
}

/**
 * Runs `open`, which must send ssh2's CHANNEL_OPEN for one session channel
 * synchronously (SshConnection.shell does), so that the channel is offered
 * `window` bytes (RFC 4254 §5.1) instead of ssh2's 2 MiB. Call
 * settleOpenWindow() on the channel once it is open. Returns what `open`
 * returns; with another ssh2, or a window not below its top-up threshold, it
 * only runs `open` (the channel then gets ssh2's window).
 */
export function openWithWindow<T>(window: number, open: () => T): T {
  const ssh2 = ssh2Internals();
  if (!ssh2 || window >= ssh2.threshold) return open();
  const proto = ssh2.proto;
  const session = proto.session;
  proto.session = function (this: object, chan: number, initWindow: number, maxPacket: number): void {
    if (initWindow !== ssh2.max) return session.call(this, chan, initWindow, maxPacket);
    const opened = smallOpens.get(this) ?? new Map<number, number>();
    smallOpens.set(this, opened.set(chan, window));
    session.call(this, chan, Math.floor(window), maxPacket);
  };
  try {
    return open();
  } finally {
    proto.session = session;
  }
}

/**
 * For a channel opened by openWithWindow(): sets ssh2's idea of the window to
 * the real one (it assumed 2 MiB). When the server has already used all of
 * it, the window is topped up to ssh2's own figure here, as ssh2 would have
 * done, since no data will come to make ssh2 do it. Does nothing for any
 * other channel.
 */
export function settleOpenWindow(channel: ClientChannel): void {
  const c = channel as unknown as Partial<ChannelInternals>;
  const protocol = c._client?._protocol;
  const incoming = c.incoming;
  const opened = protocol ? smallOpens.get(protocol) : undefined;
  const window = incoming ? opened?.get(incoming.id) : undefined;
  const ssh2 = ssh2Internals();
  if (!protocol || !incoming || window === undefined || !ssh2 || typeof c.outgoing?.id !== 'number') return;
  opened?.delete(incoming.id);
  const real = incoming.window - (ssh2.max - window);
  incoming.window = real;
  if (real > 0 || c.outgoing.state === 'closed') return;
  protocol.channelWindowAdjust(c.outgoing.id, ssh2.max - Math.max(0, real));
  incoming.window = ssh2.max;
}
