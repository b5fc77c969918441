// One SSH connection and its one explicit state machine (docs/CONTRIBUTING.md,
// "Code"), a StateMachine over CONNECTION_TRANSITIONS below.
//
// The host key is always checked (ssh2 accepts any key when hostVerifier is
// unset: docs/SECURITY.md, "SSH" 1) and ssh2 sends no authentication byte
// before the verifier answers, because userauth starts only after NEWKEYS
// (RFC 4253 §7.3, §10). We open the TCP socket ourselves so we can set
// TCP_NODELAY (as OpenSSH does for interactive sessions) and map connect
// errors to our codes; a jump hop hands us a forwardOut channel instead.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, ConnectConfig, ExecOptions, PseudoTtyOptions, ShellOptions } from 'ssh2';
import { HostdeckError } from '../../shared/errors.js';
import { StateMachine, type TransitionTable } from '../../shared/state-machine.js';
import { AuthPlan, type AuthOptions } from './auth.js';
import { algorithms, REFUSED_BY_POLICY, sshOffer, type AlgorithmCategory } from './algorithms.js';
import {
  channelFailed,
  connectionRefused,
  disconnected,
  fromSocketError,
  hostUnreachable,
  noCommonAlgorithm,
  protocolError,
  timeout,
} from './errors.js';
import { connectionLost, keepaliveTimeout, loginRefused, serverDisconnected } from './end-reasons.js';
import { tapServerKexInit, type ServerKexInit } from './kexinit.js';
import { ssh2 } from './ssh2-module.js';
import type { AskUnknownHostKey, HostKeyTrust } from './host-key-trust.js';

/**
 * - connecting: TCP (or the hop's channel), version exchange, key exchange.
 * - verifying-host-key: HostKeyTrust decides, perhaps asking the person (RFC 4253 §7.3).
 * - authenticating: the AuthPlan's attempts (RFC 4252 §5).
 * - open: USERAUTH_SUCCESS seen; channels may be opened (RFC 4254).
 * - closing: close() was called on an open connection; its 'close' carries null.
 * - closed: final; the socket is destroyed.
 */
export type ConnectionState = 'connecting' | 'verifying-host-key' | 'authenticating' | 'open' | 'closing' | 'closed';

/**
 * Every move a connection makes; any other throws IllegalTransitionError.
 * A failure before open (refused key, failed login, timeout, lost socket)
 * goes straight to closed; an open connection reaches closed through closing
 * when closed on purpose, directly when the link is lost.
 */
const CONNECTION_TRANSITIONS: TransitionTable<ConnectionState> = {
  connecting: ['verifying-host-key', 'closed'],
  'verifying-host-key': ['authenticating', 'closed'],
  authenticating: ['open', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/**
 * Where and how SshConnection.connect goes: host and port (default 22), the host-key trust store and the prompt for an
 * unknown key, the login material (AuthOptions) and the timers.
 */
export interface ConnectOptions extends AuthOptions {
  host: string;
  port?: number;
  trust: HostKeyTrust;
  askHostKey: AskUnknownHostKey;
  /**
   * Milliseconds allowed for connecting, key exchange and login, not
   * counting time the person takes to answer; TIMEOUT after it. Default
   * DEFAULT_READY_TIMEOUT.
   */
  readyTimeout?: number;
  /**
   * Keepalive probe interval in milliseconds; the link is declared dead
   * after keepaliveCountMax unanswered probes (OpenSSH's ServerAliveInterval
   * and ServerAliveCountMax). Defaults 15 s × 3: a dead link is noticed
   * within 60 s (docs/SECURITY.md, "SSH" 6).
   */
  keepaliveInterval?: number;
  keepaliveCountMax?: number;
  /** An already-open stream to the server (a jump hop's forwardOut channel). */
  sock?: Duplex;
  /** Negotiated-algorithm report, for tests and the bench. */
  onHandshake?: (negotiated: unknown, strictKex: boolean) => void;
  /**
   * ssh-agent socket to forward (auth-agent-req@openssh.com on every session
   * channel, as `ssh -A`); absent: no agent forwarding. Not used to log in.
   */
  agentForward?: string;
}

/** A connection the server accepted on a remote forward (RFC 4254 §7.2 "forwarded-tcpip"). */
export interface ForwardedConnection {
  /** The address and port the server listens on, as requested (the port as bound when 0 was asked). */
  destIP: string;
  destPort: number;
  srcIP: string;
  srcPort: number;
}
/** Takes one forwarded-tcpip open: accept() opens the channel, reject() refuses it (RFC 4254 §7.2). */
export type ForwardedHandler = (info: ForwardedConnection, accept: () => ClientChannel, reject: () => void) => void;

/** RFC 4254 §5.1 reason code: the server could not connect to the target. */
const OPEN_CONNECT_FAILED = 2;

/** Milliseconds between keepalive probes (OpenSSH ServerAliveInterval, in ms). */
export const DEFAULT_KEEPALIVE_INTERVAL = 15_000;
/** Unanswered probes before the link is declared dead (OpenSSH ServerAliveCountMax). */
export const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
/** Milliseconds for TCP connect, key exchange and login together, not counting time spent waiting for the person. */
export const DEFAULT_READY_TIMEOUT = 20_000;

type Ssh2Error = Error & { level?: string; code?: string | number };

/**
 * Events: 'state' (next: ConnectionState), 'close' (error: HostdeckError |
 * null) once an open connection is closed: null when closed on purpose,
 * DISCONNECTED when the link died.
 */
export class SshConnection extends EventEmitter {
  /** The address as given: a name or an IP literal, unresolved. */
  readonly host: string;
  /** TCP port of the SSH server. */
  readonly port: number;
  /** The account the login is for. */
  readonly username: string;
  readonly #state = new StateMachine<ConnectionState>('SSH connection', 'connecting', CONNECTION_TRANSITIONS);
  readonly #client: Client = new (ssh2().Client)();
  readonly #readyMs: number;
  readonly #keepalive: { intervalMs: number; countMax: number };
  readonly #plan: AuthPlan;
  #readyTimer: NodeJS.Timeout | undefined;
  #waitingOnPerson = 0;
  /**
   * The first known reason the connection ends: a refused host key wins
   * over the generic handshake error ssh2 reports after it, and a lost
   * link's first error over the bare close that follows.
   */
  #endReason: HostdeckError | null = null;
  #settle: { resolve: (conn: SshConnection) => void; reject: (err: HostdeckError) => void } | undefined;
  #sockForTeardown: net.Socket | undefined;
  #verifiedKey: Buffer | undefined;
  /** The server's first KEXINIT, read off the wire to explain a failed negotiation. */
  #serverKexInit: () => ServerKexInit | undefined = () => undefined;

  private constructor(opts: ConnectOptions) {
    super();
    this.host = opts.host;
    this.port = opts.port ?? 22;
    this.username = opts.username;
    this.#readyMs = opts.readyTimeout ?? DEFAULT_READY_TIMEOUT;
    this.#keepalive = {
      intervalMs: opts.keepaliveInterval ?? DEFAULT_KEEPALIVE_INTERVAL,
      countMax: opts.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
    };
    this.#plan = new AuthPlan(opts, (waiting) => this.#personWaiting(waiting));
    this.#state.subscribe((next) => this.emit('state', next));
    // ssh2 reserves a channel before emitting; with no handler it must be refused, not left open.
    this.#client.on('tcp connection', (info: ForwardedConnection, accept: () => ClientChannel, reject: () => void) =>
      this.#forwarded === undefined ? reject() : this.#forwarded(info, accept, reject),
    );
  }

  #forwarded: ForwardedHandler | undefined;

  /** Who receives the server's forwarded-tcpip channel opens (main/tunnels); undefined refuses them. */
  set forwardedHandler(handler: ForwardedHandler | undefined) {
    this.#forwarded = handler;
  }

  /** Where the connection is in its life (see ConnectionState); 'state' events report every move. */
  get state(): ConnectionState {
    return this.#state.state;
  }

  /**
   * Opens, verifies the host key and logs in.
   * @throws HostdeckError (rejects): CONNECTION_REFUSED, HOST_UNREACHABLE,
   *   TIMEOUT, HOST_KEY_*, AUTH_FAILED, KEY_*, NO_COMMON_ALGORITHM,
   *   SSH_PROTOCOL, DISCONNECTED (main/ssh/errors.ts).
   */
  static connect(opts: ConnectOptions): Promise<SshConnection> {
    return new SshConnection(opts).#start(opts);
  }

  /** Open or closed: connect() has resolved or rejected. */
  get #settled(): boolean {
    return this.#state.is('open', 'closing', 'closed');
  }

  #start(opts: ConnectOptions): Promise<SshConnection> {
    return new Promise<SshConnection>((resolve, reject) => {
      this.#settle = { resolve, reject };
      this.#armTimer();
      this.#client.on('ready', this.#clientOnReady);
      this.#client.on('error', this.#clientOnError);
      this.#client.on('close', this.#clientOnClose);
      this.#client.on('handshake', (negotiated: unknown) => {
        // ssh2 keeps whether strict KEX was agreed on its protocol object only.
        opts.onHandshake?.(
          negotiated,
          (this.#client as unknown as { _protocol?: { _strictMode?: boolean } })._protocol?._strictMode === true,
        );
      });
      void this.#openSocket(opts).then(
        (sock) => this.#startSsh(opts, sock),
        (err: HostdeckError) => this.#fail(err),
      );
    });
  }

  #startSsh(opts: ConnectOptions, sock: Duplex): void {
    if (this.#settled) {
      sock.destroy();
      return;
    }
    this.#serverKexInit = tapServerKexInit(sock);
    const config: ConnectConfig = {
      sock,
      username: opts.username,
      // Our own timer (#armTimer) excludes time spent waiting on the person;
      // ssh2's readyTimeout would count the host-key prompt too.
      readyTimeout: 0,
      keepaliveInterval: this.#keepalive.intervalMs,
      keepaliveCountMax: this.#keepalive.countMax,
      algorithms: algorithms(),
      authHandler: this.#plan.handler(),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => this.#verifyHostKey(opts, key, verify),
      ...(opts.agentForward ? { agent: opts.agentForward, agentForward: true } : {}),
    };
    // ssh2 throws synchronously on a bad option (an algorithm this runtime
    // lacks: "Unsupported algorithm"); uncaught here it would be an
    // unhandled rejection and a connection that hangs until the timer.
    try {
      this.#client.connect(config);
    } catch (err) {
      this.#fail(protocolError(this.host, this.port, err));
    }
  }

  #verifyHostKey(opts: ConnectOptions, key: Buffer, verify: (ok: boolean) => void): void {
    // A re-key (RFC 4253 §9) shows the host key again: it must be the one already verified.
    if (this.#verifiedKey) return verify(key.equals(this.#verifiedKey));
    if (this.#settled) return verify(false);
    this.#state.to('verifying-host-key');
    this.#personWaiting(true);
    opts.trust.check(this.host, this.port, key, opts.askHostKey).then(
      () => {
        this.#personWaiting(false);
        if (this.#settled) return verify(false);
        this.#verifiedKey = key;
        this.#state.to('authenticating');
        verify(true);
      },
      (err: unknown) => {
        this.#personWaiting(false);
        this.#endReason = err instanceof HostdeckError ? err : protocolError(this.host, this.port, err);
        // Refused during key exchange: ssh2 disconnects before userauth, so no authentication byte is ever sent.
        verify(false);
        this.#fail(this.#endReason);
      },
    );
  }

  readonly #clientOnReady = (): void => {
    this.#disarmTimer();
    if (this.#settled) return;
    this.#state.to('open');
    this.#settle?.resolve(this);
  };

  readonly #clientOnError = (err: Ssh2Error): void => {
    if (this.#state.is('open', 'closing')) {
      this.#endReason ??= this.#linkFailure(err);
      return;
    }
    this.#fail(this.#endReason ?? this.#loginFailure(err));
  };

  readonly #clientOnClose = (): void => {
    this.#disarmTimer();
    if (!this.#settled) return this.#fail(this.#endReason ?? connectionLost(this.host, this.port));
    if (this.#state.is('closed')) return;
    const err = this.#state.is('closing') ? null : (this.#endReason ?? connectionLost(this.host, this.port));
    this.#state.to('closed');
    this.emit('close', err);
  };

  /**
   * Why an open connection is ending, from ssh2's error: its keepalive gave
   * up (level 'client-timeout', ssh2 lib/client.js), the server sent
   * SSH_MSG_DISCONNECT (a numeric code, RFC 4253 §11.1), or the socket broke.
   */
  #linkFailure(err: Ssh2Error): HostdeckError {
    if (err.level === 'client-timeout')
      return keepaliveTimeout(this.host, this.port, this.#keepalive.intervalMs, this.#keepalive.countMax, err);
    if (typeof err.code === 'number') return serverDisconnected(this.host, this.port, err.code, err.message, err);
    return connectionLost(this.host, this.port, err);
  }

  /** What an ssh2 error before open means, by where ssh2 says it came from. */
  #loginFailure(err: Ssh2Error): HostdeckError {
    if (err.level === 'client-authentication')
      return (
        this.#plan.keyError ??
        loginRefused(this.username, this.host, this.port, this.#plan.tried, this.#plan.passwordFrom)
      );
    if (err.level === 'client-socket') return fromSocketError(this.host, this.port, err as NodeJS.ErrnoException);
    if (err.level === 'client-timeout') return timeout(this.host, this.port, this.#readyMs);
    return this.#noMatch(err) ?? protocolError(this.host, this.port, err);
  }

  /** Ends a connection that has not opened; connect() rejects with `err`. A no-op once settled. */
  #fail(err: HostdeckError): void {
    if (this.#settled) return;
    this.#endReason = err;
    this.#teardown();
    this.#settle?.reject(err);
  }

  /**
   * ssh2's "Handshake failed: no matching C->S cipher" (and the same for key
   * exchange, host key, MAC, compression) as NO_COMMON_ALGORITHM, naming what
   * the server allows, what this runtime cannot do and what to allow instead.
   */
  #noMatch(err: Error): HostdeckError | undefined {
    const m =
      /no matching (key exchange algorithm|host key format|C->S cipher|S->C cipher|C->S MAC|S->C MAC|C->S compression|S->C compression)/.exec(
        err.message,
      );
    if (!m) return undefined;
    const what = m[1] as string;
    const server = this.#serverKexInit();
    const sc = what.startsWith('S->C');
    const [category, kind, configKeyword, serverList]: [AlgorithmCategory, string, string, string[] | undefined] =
      what.endsWith('cipher')
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

  #openSocket(opts: ConnectOptions): Promise<Duplex> {
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
      this.#sockForTeardown = sock;
    });
  }

  #personWaiting(waiting: boolean): void {
    this.#waitingOnPerson += waiting ? 1 : -1;
    if (this.#waitingOnPerson > 0) this.#disarmTimer();
    else if (!this.#settled) this.#armTimer();
  }

  #armTimer(): void {
    this.#disarmTimer();
    const ms = this.#readyMs;
    if (ms <= 0) return;
    this.#readyTimer = setTimeout(() => this.#fail(timeout(this.host, this.port, ms)), ms);
  }

  #disarmTimer(): void {
    if (this.#readyTimer !== undefined) clearTimeout(this.#readyTimer);
    this.#readyTimer = undefined;
  }

  #teardown(): void {
    this.#disarmTimer();
    // closed first, so the 'close' ssh2 may emit from inside end() finds the connection settled.
    this.#state.tryTo('closed');
    this.#client.end();
    this.#client.destroy();
    this.#sockForTeardown?.destroy();
  }

  /** Ends the connection on purpose ('close' fires with null once an open connection is closed). */
  close(): void {
    if (this.#state.is('closing', 'closed')) return;
    if (this.#state.is('open')) this.#state.to('closing');
    this.#client.end();
    // A peer that never answers the disconnect must not keep the socket open.
    this.#client.destroy();
  }

  /**
   * Starts a new key exchange now (RFC 4253 §9), as OpenSSH's "~R" escape
   * does; ssh2 also re-keys by itself after about 1 GB (RFC 4344 §3.1). The
   * server's host key is checked against the verified one again.
   * Resolves when the new keys are in use; 'close' reports a failure.
   */
  rekey(): Promise<void> {
    if (!this.#state.is('open')) return Promise.reject(disconnected(this.host, this.port));
    return new Promise((resolve) => {
      this.#client.once('handshake', () => resolve());
      // ssh2 1.17's Client has no rekey(); its protocol object does (ssh2 lib/protocol/Protocol.js).
      (this.#client as unknown as { _protocol: { rekey(): void } })._protocol.rekey();
    });
  }

  /**
   * Asks the server for an answer now: a keepalive@openssh.com global
   * request with want-reply (RFC 4254 §4), what ssh2's own keepalive sends.
   * No answer within `timeoutMs` ends the link as DISCONNECTED, reason
   * 'keepalive-timeout' ('close' carries it), as after the machine woke with
   * a link that died in its sleep. Resolves either way; a no-op unless open.
   */
  probe(timeoutMs: number): Promise<void> {
    // ssh2 1.17 has no public ping: its keepalive pushes a reply callback and calls the protocol's ping() (lib/client.js).
    const inner = this.#client as unknown as { _callbacks?: Array<() => void>; _protocol?: { ping(): void } };
    if (!this.#state.is('open') || !inner._callbacks || !inner._protocol) return Promise.resolve();
    const { _callbacks: callbacks, _protocol: protocol } = inner;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#endReason ??= keepaliveTimeout(this.host, this.port, timeoutMs, 1);
        this.#client.destroy();
        resolve();
      }, timeoutMs);
      callbacks.push(() => {
        clearTimeout(timer);
        resolve();
      });
      try {
        protocol.ping();
      } catch {
        // The socket is already gone: 'close' follows with the reason ssh2 gives.
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /**
   * A pty shell channel (see shell.ts); with `command`, that command on a pty
   * instead of the login shell (an exec request with a pty, RFC 4254 §6.5, as
   * `ssh -t host command`).
   */
  shell(pty: PseudoTtyOptions, env: Record<string, string>, command?: string): Promise<ClientChannel> {
    if (command !== undefined) return this.#channel('shell', (cb) => this.#client.exec(command, { pty, env }, cb));
    return this.#channel('shell', (cb) => this.#client.shell(pty, { env } as ShellOptions, cb));
  }

  /** A subsystem channel (RFC 4254 §6.5), e.g. 'sftp' for main/sftp. */
  subsystem(name: string): Promise<ClientChannel> {
    return this.#channel(name, (cb) => this.#client.subsys(name, cb));
  }

  /**
   * Runs `command` on an exec channel (RFC 4254 §6.5). Rejects with SSH_DISCONNECTED when the connection is not open,
   * SSH_CHANNEL_FAILED when the server refuses the channel.
   */
  exec(command: string, opts: ExecOptions = {}): Promise<ClientChannel> {
    return this.#channel('command', (cb) => this.#client.exec(command, opts, cb));
  }

  /**
   * A direct-tcpip channel to host:port as seen from this server. The server's
   * own connect failure (RFC 4254 §5.1, SSH_OPEN_CONNECT_FAILED) is named as
   * if we had connected ourselves: refused, or unreachable.
   */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    if (!this.#state.is('open')) return Promise.reject(disconnected(this.host, this.port));
    return new Promise((resolve, reject) => {
      this.#client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
        if (!err) return resolve(ch);
        const failure = err as Error & { reason?: number };
        if (failure.reason !== OPEN_CONNECT_FAILED)
          return this.#openFailed(err, reject, () => channelFailed('tunnel', this.host, this.port, err));
        reject(
          /refused/i.test(failure.message) ? connectionRefused(host, port, err) : hostUnreachable(host, port, err),
        );
      });
    });
  }

  /**
   * Asks the server to listen on bindAddress:bindPort and open a
   * forwarded-tcpip channel for each connection it accepts there (RFC 4254
   * §7.1 "tcpip-forward"); resolves the port it listens on (the one it chose
   * when 0 was asked). Rejects with the raw ssh2 error when the server
   * answers SSH_MSG_REQUEST_FAILURE, which carries no reason (RFC 4254 §4),
   * or SSH_DISCONNECTED.
   */
  forwardIn(bindAddress: string, bindPort: number): Promise<number> {
    if (!this.#state.is('open')) return Promise.reject(disconnected(this.host, this.port));
    return new Promise((resolve, reject) => {
      try {
        this.#client.forwardIn(bindAddress, bindPort, (err, port) => (err ? reject(err) : resolve(port)));
      } catch (err) {
        reject(disconnected(this.host, this.port, err));
      }
    });
  }

  /** Cancels a forwardIn ("cancel-tcpip-forward", RFC 4254 §7.1); resolves even when the link is gone. */
  unforwardIn(bindAddress: string, bindPort: number): Promise<void> {
    if (!this.#state.is('open')) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        this.#client.unforwardIn(bindAddress, bindPort, () => resolve());
      } catch {
        resolve();
      }
    });
  }

  #channel(
    what: string,
    open: (cb: (err: Error | undefined, ch: ClientChannel) => void) => void,
  ): Promise<ClientChannel> {
    if (!this.#state.is('open')) return Promise.reject(disconnected(this.host, this.port));
    return new Promise((resolve, reject) => {
      open((err, ch) =>
        err ? this.#openFailed(err, reject, () => channelFailed(what, this.host, this.port, err)) : resolve(ch),
      );
    });
  }

  /**
   * A channel open that failed because the link went (ssh2 fails the opens
   * still pending when its socket ends, sometimes a moment before it emits
   * 'close') is SSH_DISCONNECTED, a link failure a tab may retry; only a
   * server that answered is `refused()` (SSH_CHANNEL_FAILED and the like).
   */
  #openFailed(err: unknown, reject: (e: unknown) => void, refused: () => unknown): void {
    setImmediate(() => reject(this.#state.is('open') ? refused() : disconnected(this.host, this.port, err)));
  }
}
