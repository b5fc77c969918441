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
// channel. test/ssh-flow-window.test.ts fails if that happens with the
// installed ssh2.
import type { ClientChannel } from 'ssh2';

/** Added to the real window in what ssh2 reads: far above its top-up threshold (1 MiB) and never 0. */
const HIDDEN = 2 ** 30;
/** RFC 4254 §5.2: the window is a uint32; Hostdeck never needs more than a few MiB. */
const MAX_WINDOW = 2 ** 31;

interface ChannelInternals {
  incoming: { window: number };
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
