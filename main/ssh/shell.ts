// An interactive shell on a pty, as a terminal tab needs it: xterm-256color,
// the tab's size, a UTF-8 locale where the server accepts it (sshd drops env
// requests it does not AcceptEnv, RFC 4254 §6.4, so asking is harmless),
// resize (RFC 4254 §6.7 window-change) and how the shell ended: its exit
// status or signal (§6.10), a channel the server closed without either (the
// RFC makes both optional), or the connection under it lost.
import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import type { SshConnection } from './connection.js';
import type { HostdeckError } from '../../shared/errors.js';
import { INITIAL_BUDGET } from './flow-rate.js';
import { openWithWindow, settleOpenWindow } from './flow-window.js';

/**
 * The pty a shell gets (RFC 4254 §6.2): size in character cells, TERM (default xterm-256color) and extra environment
 * variables (RFC 4254 §6.4; sshd passes only what its AcceptEnv allows).
 */
export interface ShellOptions {
  cols: number;
  rows: number;
  /** Extra environment; LANG defaults to C.UTF-8. */
  env?: Record<string, string>;
  term?: string;
  /**
   * The SSH window the channel opens with (bytes, RFC 4254 §5.1); default
   * INITIAL_BUDGET (flow-rate.ts), what the bridge allows in flight before it
   * has seen the page draw. ssh2's own 2 MiB when this is at least its top-up
   * threshold (1 MiB). Past the first data ssh2 or the bridge grants the window.
   */
  initialWindow?: number;
  /** Run this command on the pty instead of the login shell (an exec request, RFC 4254 §6.5). */
  command?: string;
}

/**
 * How a shell ended, one kind per cause:
 * - exit: exit-status `code` (RFC 4254 §6.10);
 * - signal: exit-signal `signal`, the bare name ("KILL", not "SIGKILL");
 * - channel-closed: the server closed the channel (RFC 4254 §5.3) and sent
 *   neither; also when Hostdeck closed it (the page went away);
 * - connection-lost: the connection under the channel ended first; `error`
 *   is its DISCONNECTED (details.reason says how: main/ssh/end-reasons.ts).
 */
export type ShellEnd =
  | { kind: 'exit'; code: number }
  | { kind: 'signal'; signal: string }
  | { kind: 'channel-closed' }
  | { kind: 'connection-lost'; error: HostdeckError };

/**
 * Events: 'exit' (ShellEnd) once, after the channel closed; 'resize' (cols, rows) after each window-change sent
 * (session logs record it). Output is
 * `channel` (stdout) plus `channel.stderr`; a pty already merges the two on
 * the server, and the rare extended data is merged by the reader (bridge.ts).
 */
export class SshShell extends EventEmitter {
  /** The ssh2 session channel: stdout as 'data', stdin by write(); the bridge reads and writes it directly. */
  readonly channel: ClientChannel;
  readonly #conn: SshConnection;
  #status: ShellEnd = { kind: 'channel-closed' };
  #end: ShellEnd | null = null;

  private constructor(conn: SshConnection, channel: ClientChannel) {
    super();
    this.channel = channel;
    this.#conn = conn;
    channel.on('exit', (code: number | null, signal?: string) => {
      // ssh2 prefixes "SIG"; the protocol (RFC 4254 §6.10) and the page use the bare name.
      if (typeof signal === 'string') this.#status = { kind: 'signal', signal: signal.replace(/^SIG/, '') };
      else if (typeof code === 'number') this.#status = { kind: 'exit', code };
    });
    // A channel error (a write after the server closed it) ends this shell, never the process.
    channel.on('error', () => this.close());
    // ssh2 emits the connection's 'close' before it closes its channels (ssh2 lib/client.js, socket 'close').
    conn.on('close', this.#connectionOnClose);
    channel.once('close', () => {
      conn.removeListener('close', this.#connectionOnClose);
      this.#end = this.#status;
      this.emit('exit', this.#end);
    });
  }

  /**
   * Opens a pty shell channel on an open connection. Rejects with SSH_DISCONNECTED if the connection is not open,
   * SSH_CHANNEL_FAILED if the server refuses the channel or the pty.
   */
  static async open(conn: SshConnection, opts: ShellOptions): Promise<SshShell> {
    // The server may send no more than the bridge's first budget before the bridge has seen
    // the page draw (flow-window.ts); ssh2 alone would offer it 2 MiB, which no one can take back.
    const channel = await openWithWindow(opts.initialWindow ?? INITIAL_BUDGET, () =>
      conn.shell(
        { term: opts.term ?? 'xterm-256color', cols: opts.cols, rows: opts.rows, width: 0, height: 0 },
        { LANG: 'C.UTF-8', ...opts.env },
        opts.command,
      ),
    );
    settleOpenWindow(channel);
    return new SshShell(conn, channel);
  }

  readonly #connectionOnClose = (err: HostdeckError | null): void => {
    if (err && this.#status.kind === 'channel-closed') this.#status = { kind: 'connection-lost', error: err };
  };

  /** True once the channel closed ('exit' was emitted); resize and close then do nothing. */
  get hasExited(): boolean {
    return this.#end !== null;
  }

  /** How the shell ended; null while it runs. */
  get end(): ShellEnd | null {
    return this.#end;
  }

  /**
   * Sends a window-change (RFC 4254 §6.7) in character cells; pixel size is sent as 0, as the RFC allows. Ignored after
   * exit.
   */
  resize(cols: number, rows: number): void {
    if (this.hasExited) return;
    this.channel.setWindow(rows, cols, 0, 0);
    this.emit('resize', cols, rows);
  }

  /** Closes the channel (SSH_MSG_CHANNEL_CLOSE); 'exit' follows when the server confirms. Safe to call twice. */
  close(): void {
    if (this.hasExited) return;
    this.channel.close();
  }
}
