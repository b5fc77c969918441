// Measuring a terminal byte stream, shared by the SSH bench (in process) and
// its page-side client (bench/ssh-bridge-client.ts, another process), so both
// sides of every comparison are timed by the same code.
import type { ConnectOptions } from '../main/ssh/connection.js';
import type { HostKeyTrust } from '../main/ssh/host-key-trust.js';
import type { Sshd } from '../test/support/sshd.js';

/** Subscribes a data listener to whatever carries the terminal's output. */
export type OnData = (fn: (d: Buffer) => void) => void;

export class TerminalProbe {
  private listener: (d: Buffer) => void = () => undefined;
  private readonly write: (b: Buffer) => void;

  constructor(write: (b: Buffer) => void, onData: OnData) {
    this.write = write;
    onData((d) => this.listener(d));
  }

  /** Resolves with the bytes seen once `pattern` matches the recent output. */
  until(pattern: RegExp): Promise<number> {
    return new Promise((resolve) => {
      let tail = '';
      let bytes = 0;
      this.listener = (d) => {
        bytes += d.length;
        // Only the end can complete a match: never decode a whole 32 KiB chunk.
        tail = (tail + d.subarray(-256).toString('latin1')).slice(-256);
        if (pattern.test(tail)) {
          this.listener = () => undefined;
          resolve(bytes);
        }
      };
    });
  }

  send(text: string): void {
    this.write(Buffer.from(text));
  }

  /** In a shell at its prompt: MB/s of `head -c bytes /dev/zero` through the pty. */
  async bulk(bytes: number): Promise<number> {
    const done = this.until(/BULK-DONE/);
    const t0 = performance.now();
    this.send(`head -c ${bytes} /dev/zero; echo BULK""-DONE\r`);
    const seen = await done;
    return seen / 1e6 / ((performance.now() - t0) / 1000);
  }

  /** With `cat` reading the pty: ms from each key sent to its echo. */
  async keys(count: number): Promise<number[]> {
    // A first key proves cat (and the echo path) is up.
    await this.roundTrip('s');
    const times: number[] = [];
    for (let i = 0; i < count; i++) times.push(await this.roundTrip(String.fromCharCode(97 + (i % 26))));
    return times;
  }

  /** In a shell at its prompt: start cat, then time keys. */
  async keysInShell(count: number): Promise<number[]> {
    const catUp = this.until(/cat\r\n/);
    this.send('cat\r');
    await catUp;
    const times = await this.keys(count);
    this.write(Buffer.from([3]));
    return times;
  }

  private async roundTrip(key: string): Promise<number> {
    const echoed = this.until(new RegExp(key));
    const t0 = performance.now();
    this.send(key);
    await echoed;
    return performance.now() - t0;
  }
}

/** A shell prompt ("$ " at the end of the output). */
export const PROMPT = /\$ $/;

/** A probe on a duplex stream (an SSH channel): keys are written to it, its data is the terminal's output. */
export function probeStream(s: {
  write(b: Buffer): unknown;
  on(event: 'data', fn: (d: Buffer) => void): unknown;
}): TerminalProbe {
  return new TerminalProbe(
    (b) => s.write(b),
    (fn) => s.on('data', fn),
  );
}

/** A probe on a child process's pipes (the OpenSSH client, cat): keys go to its stdin, its stdout is read. */
export function probeChild(p: {
  stdin: { write(b: Buffer): unknown };
  stdout: { on(event: 'data', fn: (d: Buffer) => void): unknown };
}): TerminalProbe {
  return new TerminalProbe(
    (b) => p.stdin.write(b),
    (fn) => p.stdout.on('data', fn),
  );
}

/** The client-to-server cipher and MAC a connection settled on. */
export interface CipherPair {
  cipher: string;
  mac: string;
}

/** Where keyLogin logs in: host, port, user name, and the private key file's path. */
export interface KeyTarget {
  host: string;
  port: number;
  user: string;
  keyPath: string;
}

/** The rig sshd's key user (test/support/sshd.ts) as a KeyTarget. */
export function sshdKeyUser(sshd: Pick<Sshd, 'host' | 'port' | 'keyUser' | 'clientKeyPath'>): KeyTarget {
  return { host: sshd.host, port: sshd.port, user: sshd.keyUser, keyPath: sshd.clientKeyPath };
}

/**
 * Options for main's SshConnection.connect as the benches and the rig tests
 * log in: by key, no agent, the host key already in `trust` (an unknown key is
 * refused; nobody is asked). `onPair`, when given, gets the negotiated
 * client-to-server pair and whether strict key exchange is on.
 */
export function keyLogin(
  target: KeyTarget,
  trust: HostKeyTrust,
  onPair?: (cs: CipherPair, strictKex: boolean) => void,
): ConnectOptions {
  return {
    host: target.host,
    port: target.port,
    username: target.user,
    keyFiles: [{ path: target.keyPath }],
    agent: false,
    trust,
    askHostKey: async () => false,
    ...(onPair && {
      onHandshake: (n: unknown, strict: boolean) => onPair((n as { cs: CipherPair }).cs, strict),
    }),
  };
}
