// Joins one local socket and one SSH channel, both ways, with backpressure
// and byte counts. stream.pipe() pauses the source while the destination's
// buffer is over its highWaterMark (and an ssh2 channel's write() returns
// false while the peer's window is shut, RFC 4254 §5.2), so a fast sender
// and a slow reader hold at most a buffer's worth in memory on each side.
// Half-closes pass through (EOF one way leaves the other way open, as
// `ssh -L` does): HTTP clients that shut their sending side still get the reply.
import type { Duplex } from 'node:stream';

/** Called with each chunk's length in bytes as it passes, in either direction. */
export interface PipeCounters {
  /** Bytes from the local side into the channel. */
  out(bytes: number): void;
  /** Bytes from the channel to the local side. */
  in(bytes: number): void;
}

/** A joined pair; destroy() ends both at once (a forward being stopped). */
export interface JoinedPair {
  destroy(): void;
}

/**
 * Pipes `local` and `channel` into each other until both have closed, then
 * calls `done` once. An error on either side destroys both.
 */
export function joinStreams(local: Duplex, channel: Duplex, count: PipeCounters, done: () => void): JoinedPair {
  let open = 2;
  let finished = false;
  const destroyBoth = (): void => {
    local.destroy();
    channel.destroy();
  };
  // A side that has closed can neither send nor receive: the other gets what
  // is already buffered for it, then is destroyed (an `end()` alone would
  // leave it half-open for as long as its peer keeps sending).
  const sideClosed = (other: Duplex) => (): void => {
    // What it still receives has nowhere to go; read it away, or an ssh2
    // channel never emits 'end' and so never 'close' (ssh2 lib/utils.js onCHANNEL_CLOSE).
    other.resume();
    if (!other.destroyed) {
      if (other.writableFinished) other.destroy();
      else {
        other.once('finish', () => other.destroy());
        other.end();
      }
    }
    if (--open === 0 && !finished) {
      finished = true;
      done();
    }
  };
  local.on('data', (b: Buffer) => count.out(b.length));
  // ssh2 delivers one 'data' per SSH packet (32 KiB at most), often several
  // per socket read: corked until the next tick, they leave in one writev.
  let corked = false;
  const uncork = (): void => {
    corked = false;
    local.uncork();
  };
  channel.on('data', (b: Buffer) => {
    count.in(b.length);
    if (corked || local.destroyed) return;
    corked = true;
    local.cork();
    process.nextTick(uncork);
  });
  local.on('error', destroyBoth);
  channel.on('error', destroyBoth);
  local.once('close', sideClosed(channel));
  channel.once('close', sideClosed(local));
  local.pipe(channel);
  channel.pipe(local);
  return { destroy: destroyBoth };
}
