// The reference for interrupt_latency (`npm run bench -- app`): the OpenSSH
// client in tmux, at the app terminal's size, against the same sshd, timed in
// the same run. tmux is what a person compares a terminal app with, and it
// keeps reading while it draws: its screen (capture-pane) is its "drawn".
//
// The session is detached; the bench talks to tmux through one control-mode
// client (`tmux -C`, with %output turned off), so polling the screen costs a
// line on a pipe, not a process per look. send-keys C-c goes the same way: the
// clock starts as the command is written.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { opensshOptions } from '../test/support/sshd.js';

export interface TmuxTarget {
  host: string;
  port: number;
  user: string;
  keyPath: string;
}

/** A detached tmux session running `ssh` to the target, and a control client to drive and read it. */
export class TmuxSsh {
  readonly #socket: string;
  readonly #client: ChildProcessWithoutNullStreams;
  readonly #waiting: Array<(lines: string[]) => void> = [];
  #block: string[] | null = null;
  #buffered = '';

  private constructor(socket: string, client: ChildProcessWithoutNullStreams) {
    this.#socket = socket;
    this.#client = client;
    client.stdout.setEncoding('utf8');
    client.stdout.on('data', (d: string) => this.#onData(d));
  }

  static async start(dir: string, t: TmuxTarget, size: { cols: number; rows: number }): Promise<TmuxSsh> {
    const socket = join(dir, 'tmux.sock');
    const ssh = ['ssh', ...opensshOptions(), '-p', String(t.port), '-i', t.keyPath, `${t.user}@${t.host}`].join(' ');
    const run = (args: string[]): void => {
      const r = spawnSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.error?.message ?? r.stderr}`);
    };
    run(['new-session', '-d', '-s', 'ref', '-x', String(size.cols), '-y', String(size.rows), ssh]);
    // A control client would otherwise resize the window to its own (80×24) size.
    run(['set-option', '-g', 'window-size', 'manual']);
    const client = spawn('tmux', ['-S', socket, '-C', 'attach', '-t', 'ref', '-f', 'ignore-size,no-output']);
    const tmux = new TmuxSsh(socket, client);
    // Attaching answers with a block of its own; blocks that arrive before our first command are dropped.
    await new Promise((r) => setTimeout(r, 300));
    const got = (await tmux.command('display -p "#{window_width}x#{window_height}"'))[0];
    if (got !== `${size.cols}x${size.rows}`) throw new Error(`tmux window is ${got}, not ${size.cols}x${size.rows}`);
    return tmux;
  }

  /** Runs one tmux command through the control client; resolves with its output lines. */
  command(cmd: string): Promise<string[]> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#client.stdin.write(`${cmd}\n`);
    });
  }

  /** The pane's last non-blank line (tmux trims trailing spaces). */
  async lastLine(): Promise<string> {
    const lines = await this.command('capture-pane -p -t ref');
    for (let i = lines.length - 1; i >= 0; i--) if ((lines[i] as string).trim() !== '') return lines[i] as string;
    return '';
  }

  /** Polls the screen until its last line matches; resolves with the time it did (performance.now()). */
  async until(pattern: RegExp, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const line = await this.lastLine();
      const now = performance.now();
      if (pattern.test(line)) return now;
      if (now > deadline)
        throw new Error(`tmux: ${pattern} not on screen within ${timeoutMs} ms (last line: ${JSON.stringify(line)})`);
    }
  }

  /** Types text and Enter into the pane. */
  async typeLine(text: string): Promise<void> {
    await this.command(`send-keys -t ref -l ${JSON.stringify(text)}`);
    await this.command('send-keys -t ref Enter');
  }

  async stop(): Promise<void> {
    this.#client.stdin.end();
    this.#client.kill();
    spawnSync('tmux', ['-S', this.#socket, 'kill-server']);
  }

  #onData(d: string): void {
    this.#buffered += d;
    let nl: number;
    while ((nl = this.#buffered.indexOf('\n')) >= 0) {
      const line = this.#buffered.slice(0, nl);
      this.#buffered = this.#buffered.slice(nl + 1);
      if (this.#block === null) {
        if (line.startsWith('%begin ')) this.#block = [];
        continue; // other notifications
      }
      if (line.startsWith('%end ') || line.startsWith('%error ')) {
        const done = this.#waiting.shift();
        const block = this.#block;
        this.#block = null;
        done?.(block);
      } else this.#block.push(line);
    }
  }
}

/**
 * Ctrl+C to the prompt on tmux's screen, `runs` times: type `command`, let it
 * flood for floodMs, send C-c, poll the screen until the last line ends in
 * "$" (the prompt; seq and yes print none). Milliseconds each.
 */
export async function tmuxInterrupts(tmux: TmuxSsh, command: string, runs: number, floodMs: number): Promise<number[]> {
  await tmux.until(/\$$/, 30_000);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    await tmux.typeLine(command);
    await new Promise((r) => setTimeout(r, floodMs));
    if (/\$$/.test(await tmux.lastLine())) throw new Error(`tmux: "${command}" is not flooding the screen`);
    const t0 = performance.now();
    await tmux.command('send-keys -t ref C-c');
    ms.push((await tmux.until(/\$$/, 30_000)) - t0);
  }
  return ms;
}
