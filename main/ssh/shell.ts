// An interactive shell on a pty, as a terminal tab needs it: xterm-256color,
// the tab's size, a UTF-8 locale where the server accepts it (sshd drops env
// requests it does not AcceptEnv, RFC 4254 §6.4, so asking is harmless),
// resize (RFC 4254 §6.7 window-change) and the exit status or signal (§6.10).
import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import type { SshConnection } from './connection.js';

export interface ShellOptions {
  cols: number;
  rows: number;
  /** Extra environment; LANG defaults to C.UTF-8. */
  env?: Record<string, string>;
  term?: string;
}

export interface ShellExit {
  code: number | null;
  signal: string | null;
}

/**
 * Events: 'exit' (ShellExit) once, after the channel closed. Output is
 * `channel` (stdout) plus `channel.stderr`; a pty already merges the two on
 * the server, and the rare extended data is merged by the reader (bridge.ts).
 */
export class SshShell extends EventEmitter {
  readonly channel: ClientChannel;
  private exitInfo: ShellExit = { code: null, signal: null };
  private exited = false;

  private constructor(channel: ClientChannel) {
    super();
    this.channel = channel;
    channel.on('exit', (code: number | null, signal?: string) => {
      // ssh2 prefixes "SIG"; the protocol (RFC 4254 §6.10) and the page use the bare name.
      this.exitInfo = { code: typeof code === 'number' ? code : null, signal: typeof signal === 'string' ? signal.replace(/^SIG/, '') : null };
    });
    // A channel error (a write after the server closed it) ends this shell, never the process.
    channel.on('error', () => this.close());
    channel.once('close', () => {
      this.exited = true;
      this.emit('exit', this.exitInfo);
    });
  }

  static async open(conn: SshConnection, opts: ShellOptions): Promise<SshShell> {
    const channel = await conn.shell(
      { term: opts.term ?? 'xterm-256color', cols: opts.cols, rows: opts.rows, width: 0, height: 0 },
      { LANG: 'C.UTF-8', ...opts.env },
    );
    return new SshShell(channel);
  }

  get hasExited(): boolean {
    return this.exited;
  }

  get exitStatus(): ShellExit {
    return this.exitInfo;
  }

  resize(cols: number, rows: number): void {
    if (this.exited) return;
    this.channel.setWindow(rows, cols, 0, 0);
  }

  close(): void {
    if (this.exited) return;
    this.channel.close();
  }
}
