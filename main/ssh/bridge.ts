// The gateway target for an SSH shell tab (main/gateway/target.ts): page
// binary frames → shell stdin; shell output → page; page text frames are the
// control messages of shared/terminal-protocol.ts. Modelled on xterm.js's
// AttachAddon, plus the flow control of xterm.js's flow-control guide
// (xtermjs.org/docs/guides/flowcontrol): we count bytes sent to the page, the
// page acks bytes it has drawn, and the SSH channel is paused while more than
// HIGH bytes are unacknowledged and resumed below LOW. A paused ssh2 channel
// stops adjusting its window (RFC 4254 §5.2) once its own buffer is full, so
// the server stops sending and `cat` of a huge file holds memory at HIGH plus
// ssh2's channel buffer (at most two 2 MiB windows).
import { Duplex } from 'node:stream';
import type { GatewayLink, GatewayTarget } from '../gateway/target.js';
import { parsePageControl, type MainControlMessage } from '../../shared/terminal-protocol.js';
import type { ShellEnd, SshShell } from './shell.js';

// Measured with `npm run bench -- app`: at 512 KiB / 128 KiB the page sat
// idle, everything drawn, for ~45% of a `seq 1 3000000` run waiting for the
// next bytes (6.5 MB/s); at 2 MiB / 512 KiB the idle time falls to ~25% and
// throughput rises to 8.2–8.7 MB/s, the longest main-thread task staying
// under 130 ms. Ctrl+C still stops a flood within about a quarter second.
export const DEFAULT_HIGH_WATERMARK = 2 * 1024 * 1024;
export const DEFAULT_LOW_WATERMARK = 512 * 1024;

export interface BridgeOptions {
  highWatermark?: number;
  lowWatermark?: number;
}

export class ShellBridge implements GatewayTarget {
  readonly stream: Duplex;
  readonly high: number;
  readonly low: number;
  private readonly shell: SshShell;
  private readonly link: GatewayLink;
  private unackedBytes = 0;
  private pausedForAcks = false;
  private pausedForStream = false;
  private ended = false;
  /** Output of the current burst, sent as one frame (see channelOnData). */
  private pending: Buffer[] = [];
  private flushQueued = false;

  constructor(shell: SshShell, link: GatewayLink, opts: BridgeOptions = {}) {
    this.shell = shell;
    this.link = link;
    this.high = opts.highWatermark ?? DEFAULT_HIGH_WATERMARK;
    this.low = opts.lowWatermark ?? DEFAULT_LOW_WATERMARK;
    const channel = shell.channel;
    this.stream = new Duplex({
      read: () => {
        this.pausedForStream = false;
        this.updateFlow();
      },
      write: (chunk: Buffer, _enc, cb) => {
        if (this.ended) return cb();
        channel.write(chunk, () => cb());
      },
      final: (cb) => cb(),
      destroy: (err, cb) => {
        this.dispose();
        cb(err);
      },
    });
    channel.on('data', this.channelOnData);
    channel.stderr.on('data', this.channelOnData);
    shell.once('exit', this.shellOnExit);
    link.signal.addEventListener('abort', this.linkOnAbort, { once: true });
  }

  /** Bytes sent to the page and not yet acknowledged. */
  get unacked(): number {
    return this.unackedBytes;
  }

  /** Whether the SSH channel is currently paused. */
  get paused(): boolean {
    return this.pausedForAcks || this.pausedForStream;
  }

  onControl(text: string): void {
    const parsed = parsePageControl(text);
    if (!parsed.ok) {
      // A bad frame is refused on its own; the shell and the socket go on.
      this.link.sendControl({
        type: 'error',
        code: 'SSH_BAD_CONTROL',
        message: `Hostdeck ignored a control message: ${parsed.reason}.`,
      });
      return;
    }
    const msg = parsed.message;
    if (msg.type === 'resize') this.shell.resize(msg.cols, msg.rows);
    else {
      this.unackedBytes = Math.max(0, this.unackedBytes - msg.bytes);
      this.updateFlow();
    }
  }

  private readonly channelOnData = (data: Buffer): void => {
    if (this.ended) return;
    this.unackedBytes += data.length;
    // ssh2 parses a whole socket read at once, so a burst arrives as many
    // small channel packets in one tick (a pty hands sshd ~4 KiB at a time).
    // Sending them as one frame after the tick saves a WebSocket frame and a
    // page callback per packet and adds no delay to a lone keystroke echo.
    this.pending.push(data);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
    this.updateFlow();
  };

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.pending.length === 0 || this.stream.destroyed) return;
    const chunk = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    if (!this.stream.push(chunk)) {
      this.pausedForStream = true;
      this.updateFlow();
    }
  };

  private updateFlow(): void {
    if (this.ended) return;
    if (this.unackedBytes > this.high) this.pausedForAcks = true;
    else if (this.unackedBytes < this.low) this.pausedForAcks = false;
    const channel = this.shell.channel;
    if (this.paused) {
      channel.pause();
      channel.stderr.pause();
    } else {
      channel.resume();
      channel.stderr.resume();
    }
  }

  private readonly shellOnExit = (end: ShellEnd): void => {
    if (this.ended) return;
    // The one frame that says how the session ended goes before the end of the stream,
    // so the page sees it before the close (target.ts).
    this.flush();
    this.link.sendControl(endFrame(end));
    this.ended = true;
    this.detach();
    this.stream.push(null);
    this.stream.end();
  };

  private readonly linkOnAbort = (): void => {
    this.dispose();
  };

  private detach(): void {
    const channel = this.shell.channel;
    channel.removeListener('data', this.channelOnData);
    channel.stderr.removeListener('data', this.channelOnData);
    this.shell.removeListener('exit', this.shellOnExit);
    this.link.signal.removeEventListener('abort', this.linkOnAbort);
  }

  private dispose(): void {
    if (!this.ended) {
      this.ended = true;
      this.detach();
    }
    this.shell.close();
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
