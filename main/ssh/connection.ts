// One SSH connection and its one explicit state machine (../../shared/STYLE.md
// habit 5):
//
//   connecting → verifying-host-key → authenticating → open → closed
//   (any state → closed)
//
// The host key is always checked (ssh2 accepts any key when hostVerifier is
// unset: ../../shared/SECURITY.md, SSH 1) and ssh2 sends no authentication
// byte before the verifier answers, because userauth starts only after NEWKEYS
// (RFC 4253 §7.3, §10). We open the TCP socket ourselves so we can set
// TCP_NODELAY (as OpenSSH does for interactive sessions) and map connect
// errors to our codes; a jump hop hands us a forwardOut channel instead.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
// ssh2 is CommonJS: plain Node ESM (tsx, the bench) sees only its default export.
import ssh2 from 'ssh2';
import type { Client, ClientChannel, ExecOptions, PseudoTtyOptions, ShellOptions } from 'ssh2';
import { HostdeckError } from '../../shared/errors.js';
import { AuthPlan, type AuthOptions } from './auth.js';
import { algorithms, REFUSED_BY_POLICY, sshOffer, type AlgorithmCategory } from './algorithms.js';
import { authFailed, channelFailed, connectionRefused, disconnected, fromSocketError, hostUnreachable, noCommonAlgorithm, protocolError, timeout } from './errors.js';
import { tapServerKexInit, type ServerKexInit } from './kexinit.js';
import type { AskUnknownHostKey, HostKeyTrust } from './host-key-trust.js';

export type ConnectionState = 'connecting' | 'verifying-host-key' | 'authenticating' | 'open' | 'closed';

const TRANSITIONS: Record<ConnectionState, readonly ConnectionState[]> = {
  connecting: ['verifying-host-key', 'closed'],
  'verifying-host-key': ['authenticating', 'closed'],
  authenticating: ['open', 'closed'],
  open: ['closed'],
  closed: [],
};

export interface ConnectOptions extends AuthOptions {
  host: string;
  port?: number;
  trust: HostKeyTrust;
  askHostKey: AskUnknownHostKey;
  /** Time allowed for connecting, key exchange and login, not counting time the person takes to answer. */
  readyTimeout?: number;
  /**
   * Keepalive probe interval; the link is declared dead after keepaliveCountMax
   * unanswered probes. Defaults 15 s × 3: a dead link is noticed within 60 s
   * (../../shared/SECURITY.md, SSH 6).
   */
  keepaliveInterval?: number;
  keepaliveCountMax?: number;
  /** An already-open stream to the server (a jump hop's forwardOut channel). */
  sock?: Duplex;
  /** Negotiated-algorithm report, for tests and the bench. */
  onHandshake?: (negotiated: unknown, strictKex: boolean) => void;
}

/** RFC 4254 §5.1 reason code: the server could not connect to the target. */
const OPEN_CONNECT_FAILED = 2;

export const DEFAULT_KEEPALIVE_INTERVAL = 15_000;
export const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
export const DEFAULT_READY_TIMEOUT = 20_000;

/**
 * Events: 'state' (state), 'close' (error: HostdeckError | null): null when
 * closed on purpose, DISCONNECTED when the link died.
 */
export class SshConnection extends EventEmitter {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  private stateNow: ConnectionState = 'connecting';
  private readonly client: Client = new ssh2.Client();
  private readyTimer: NodeJS.Timeout | undefined;
  private waitingOnPerson = 0;
  private closeError: HostdeckError | null = null;
  private closing = false;
  /** Why the host key was refused; wins over the generic handshake error ssh2 reports after it. */
  private hostKeyError: HostdeckError | null = null;
  private onFail: (err: HostdeckError) => void = () => undefined;
  private sockForTeardown: net.Socket | undefined;
  private verifiedKey: Buffer | undefined;
  /** The server's first KEXINIT, read off the wire to explain a failed negotiation. */
  private serverKexInit: () => ServerKexInit | undefined = () => undefined;

  private constructor(host: string, port: number, username: string) {
    super();
    this.host = host;
    this.port = port;
    this.username = username;
  }

  get state(): ConnectionState {
    return this.stateNow;
  }

  /** Opens, verifies and logs in; rejects with a HostdeckError. */
  static connect(opts: ConnectOptions): Promise<SshConnection> {
    const conn = new SshConnection(opts.host, opts.port ?? 22, opts.username);
    return conn.start(opts);
  }

  private setState(next: ConnectionState): void {
    if (!TRANSITIONS[this.stateNow].includes(next)) {
      throw new Error(`SshConnection: illegal transition ${this.stateNow} → ${next}`);
    }
    this.stateNow = next;
    this.emit('state', next);
  }

  private async start(opts: ConnectOptions): Promise<SshConnection> {
    const readyMs = opts.readyTimeout ?? DEFAULT_READY_TIMEOUT;
    const plan = new AuthPlan(opts, (waiting) => this.personWaiting(waiting, readyMs));
    return new Promise<SshConnection>((resolve, reject) => {
      let settled = false;
      const fail = (err: HostdeckError): void => {
        if (settled) return;
        settled = true;
        this.closeError = err;
        this.teardown();
        reject(err);
      };
      this.onFail = fail;
      this.armTimer(readyMs);

      const clientOnReady = (): void => {
        this.disarmTimer();
        if (settled) return;
        settled = true;
        this.setState('open');
        resolve(this);
      };
      const clientOnError = (err: Error & { level?: string; code?: string }): void => {
        if (this.stateNow === 'open') {
          this.closeError ??= disconnected(this.host, this.port, err);
          return;
        }
        if (this.hostKeyError) return fail(this.hostKeyError);
        if (err.level === 'client-authentication') {
          return fail(plan.keyError ?? authFailed(this.username, this.host, this.port, plan.tried));
        }
        if (err.level === 'client-socket') return fail(fromSocketError(this.host, this.port, err));
        if (err.level === 'client-timeout') return fail(timeout(this.host, this.port, readyMs));
        return fail(this.noMatch(err) ?? protocolError(this.host, this.port, err));
      };
      const clientOnClose = (): void => {
        this.disarmTimer();
        if (!settled) {
          fail(this.hostKeyError ?? disconnected(this.host, this.port));
          return;
        }
        if (this.stateNow === 'open') {
          const err = this.closing ? null : (this.closeError ?? disconnected(this.host, this.port));
          this.setState('closed');
          this.emit('close', err);
        }
      };
      this.client.on('ready', clientOnReady);
      this.client.on('error', clientOnError);
      this.client.on('close', clientOnClose);
      const clientOnHandshake = (negotiated: unknown): void => {
        // ssh2 keeps whether strict KEX was agreed on its protocol object only.
        opts.onHandshake?.(negotiated, (this.client as unknown as { _protocol?: { _strictMode?: boolean } })._protocol?._strictMode === true);
      };
      this.client.on('handshake', clientOnHandshake);

      void this.openSocket(opts).then((sock) => {
        if (settled) {
          sock.destroy();
          return;
        }
        this.serverKexInit = tapServerKexInit(sock);
        // ssh2 throws synchronously on a bad option (an algorithm this runtime
        // lacks: "Unsupported algorithm"); uncaught here it would be an
        // unhandled rejection and a connection that hangs until the timer.
        try {
          this.client.connect({
            sock,
            username: opts.username,
            // Our own timer (above) excludes time spent waiting on the person;
            // ssh2's readyTimeout would count the host-key prompt too.
            readyTimeout: 0,
            keepaliveInterval: opts.keepaliveInterval ?? DEFAULT_KEEPALIVE_INTERVAL,
            keepaliveCountMax: opts.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
            algorithms: algorithms(),
            authHandler: plan.handler(),
            hostVerifier: (key: Buffer, verify: (ok: boolean) => void): void => {
              // A re-key (RFC 4253 §9) shows the host key again: it must be the one already verified.
              if (this.verifiedKey) return verify(key.equals(this.verifiedKey));
              this.setState('verifying-host-key');
              this.personWaiting(true, readyMs);
              opts.trust.check(this.host, this.port, key, opts.askHostKey).then(
                () => {
                  this.personWaiting(false, readyMs);
                  if (settled) return verify(false);
                  this.verifiedKey = key;
                  this.setState('authenticating');
                  verify(true);
                },
                (err: unknown) => {
                  this.personWaiting(false, readyMs);
                  this.hostKeyError = err instanceof HostdeckError ? err : protocolError(this.host, this.port, err);
                  // Refused during key exchange: ssh2 disconnects before userauth, so no authentication byte is ever sent.
                  verify(false);
                  fail(this.hostKeyError);
                },
              );
            },
          });
        } catch (err) {
          fail(protocolError(this.host, this.port, err));
        }
      }, fail);
    });
  }

  /**
   * ssh2's "Handshake failed: no matching C->S cipher" (and the same for key
   * exchange, host key, MAC, compression) as NO_COMMON_ALGORITHM, naming what
   * the server allows, what this runtime cannot do and what to allow instead.
   */
  private noMatch(err: Error): HostdeckError | undefined {
    const m = /no matching (key exchange algorithm|host key format|C->S cipher|S->C cipher|C->S MAC|S->C MAC|C->S compression|S->C compression)/.exec(err.message);
    if (!m) return undefined;
    const what = m[1] as string;
    const server = this.serverKexInit();
    const sc = what.startsWith('S->C');
    const [category, kind, configKeyword, serverList]: [AlgorithmCategory, string, string, string[] | undefined] = what.endsWith('cipher')
      ? ['cipher', 'cipher', 'Ciphers', sc ? server?.cipherSc : server?.cipherCs]
      : what.endsWith('MAC')
        ? ['hmac', 'MAC', 'MACs', sc ? server?.macSc : server?.macCs]
        : what.endsWith('compression')
          ? ['compress', 'compression', 'Compression', sc ? server?.compressSc : server?.compressCs]
          : what === 'host key format'
            ? ['serverHostKey', 'host key', 'HostKeyAlgorithms', server?.serverHostKey]
            : ['kex', 'key exchange', 'KexAlgorithms', server?.kex];
    const offer = sshOffer();
    // The server lists pseudo-algorithms in its KEX list (ext-info-s, kex-strict-s-v00@openssh.com): not choices.
    const serverOffers = serverList?.filter((a) => !/^ext-info-|^kex-strict-/.test(a));
    return noCommonAlgorithm(
      this.host,
      this.port,
      {
        kind,
        configKeyword,
        serverOffers,
        weOffer: offer[category],
        unusableHere: (serverOffers ?? []).filter((a) => offer.unavailable.includes(a)),
        refused: (serverOffers ?? []).filter((a) => REFUSED_BY_POLICY.test(a)),
      },
      err,
    );
  }

  private openSocket(opts: ConnectOptions): Promise<Duplex> {
    if (opts.sock) return Promise.resolve(opts.sock);
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: this.host, port: this.port });
      sock.setNoDelay(true);
      const sockOnError = (err: NodeJS.ErrnoException): void => {
        sock.removeListener('connect', sockOnConnect);
        sock.destroy();
        reject(fromSocketError(this.host, this.port, err));
      };
      const sockOnConnect = (): void => {
        sock.removeListener('error', sockOnError);
        resolve(sock);
      };
      sock.once('error', sockOnError);
      sock.once('connect', sockOnConnect);
      this.sockForTeardown = sock;
    });
  }

  private personWaiting(waiting: boolean, readyMs: number): void {
    this.waitingOnPerson += waiting ? 1 : -1;
    if (this.waitingOnPerson > 0) this.disarmTimer();
    else if (this.stateNow !== 'open' && this.stateNow !== 'closed') this.armTimer(readyMs);
  }

  private armTimer(ms: number): void {
    this.disarmTimer();
    if (ms <= 0) return;
    this.readyTimer = setTimeout(() => this.onFail(timeout(this.host, this.port, ms)), ms);
  }

  private disarmTimer(): void {
    if (this.readyTimer !== undefined) clearTimeout(this.readyTimer);
    this.readyTimer = undefined;
  }

  private teardown(): void {
    this.disarmTimer();
    this.closing = true;
    this.client.end();
    this.client.destroy();
    this.sockForTeardown?.destroy();
    if (this.stateNow !== 'closed') this.setState('closed');
  }

  /** Ends the connection on purpose ('close' fires with null). */
  close(): void {
    if (this.stateNow === 'closed') return;
    this.closing = true;
    this.client.end();
    // A peer that never answers the disconnect must not keep the socket open.
    this.client.destroy();
  }

  /** A pty shell channel (see shell.ts). */
  shell(pty: PseudoTtyOptions, env: Record<string, string>): Promise<ClientChannel> {
    return this.channel('shell', (cb) => this.client.shell(pty, { env } as ShellOptions, cb));
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ClientChannel> {
    return this.channel('command', (cb) => this.client.exec(command, opts, cb));
  }

  /**
   * A direct-tcpip channel to host:port as seen from this server. The server's
   * own connect failure (RFC 4254 §5.1, SSH_OPEN_CONNECT_FAILED) is named as
   * if we had connected ourselves: refused, or unreachable.
   */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    if (this.stateNow !== 'open') return Promise.reject(disconnected(this.host, this.port));
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
        if (!err) return resolve(ch);
        const failure = err as Error & { reason?: number };
        if (failure.reason !== OPEN_CONNECT_FAILED) return reject(channelFailed('tunnel', this.host, this.port, err));
        reject(/refused/i.test(failure.message) ? connectionRefused(host, port, err) : hostUnreachable(host, port, err));
      });
    });
  }

  private channel(what: string, open: (cb: (err: Error | undefined, ch: ClientChannel) => void) => void): Promise<ClientChannel> {
    if (this.stateNow !== 'open') return Promise.reject(disconnected(this.host, this.port));
    return new Promise((resolve, reject) => {
      open((err, ch) => (err ? reject(channelFailed(what, this.host, this.port, err)) : resolve(ch)));
    });
  }
}
