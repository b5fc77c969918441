// Opens a VNC connection on the page's behalf: main does the server's RFB
// handshake (VNC Authentication, VeNCrypt TLS) and gives back a stream on
// which the page (noVNC) finds a server that needs no password. The VNC
// password never leaves main (docs/SECURITY.md, "VNC" 1).
//
// VncConnector is the thin owner of the sockets around the I/O-free
// RfbServerHandshake: it connects, feeds it the server's bytes, upgrades to
// TLS when asked, enforces the step time limits and the abort signal, and on
// success hands the connection to a VncPageStream.
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { RfbVersion, VncCertificateInfo, VncSecurity } from '../../shared/vnc-protocol.js';
import { VncErrorCode } from '../../shared/vnc-protocol.js';
import { ConnectionState, DEFAULT_TIMEOUTS, type StepTimeouts } from './connection-state.js';
import type { PagePlan } from './rfb-page-handshake.js';
import { RfbServerHandshake, type ServerHandshakeOutcome } from './rfb-server-handshake.js';
import { vncError } from './vnc-errors.js';
import { VncPageStream } from './vnc-page-stream.js';
import { anonymousTlsAvailable, certificateInfo, connectVncTls } from './vnc-tls.js';

/**
 * What VncConnector.open needs: how to reach the server, how to get the password and have a certificate trusted, the
 * time limits, and an abort signal.
 */
export interface OpenVncOptions {
  /** Opens the byte stream to the VNC server: a TCP socket, or an SSH forwardOut channel. */
  connect: () => Promise<Duplex>;
  /**
   * The password, when the server asks for one: main unseals the saved one or
   * asks the person. undefined means "none": the open fails with
   * VNC_PASSWORD_REQUIRED. Not called for servers that need none.
   * `signal` aborts when the connection fails meanwhile (the server went
   * away, a time limit, the caller's own signal): the prompt can be dismissed.
   */
  password: (signal: AbortSignal) => Promise<string | undefined>;
  /**
   * Decides on the server's certificate (VeNCrypt X509 subtypes only), like
   * an SSH host key: the caller compares `info.fingerprint` with the stored
   * one. true: trusted (first use after the person said yes, or a match);
   * false: not trusted (VNC_CERT_REJECTED); 'changed': a different
   * certificate than the stored one (VNC_CERT_CHANGED). A thrown error fails
   * the open with that error. `signal` as for password().
   */
  trustCertificate: (info: VncCertificateInfo, signal: AbortSignal) => Promise<boolean | 'changed'>;
  /** User name for the VeNCrypt Plain subtypes; without it they are not chosen. */
  username?: string;
  /** Gives up (VNC_ABORTED) and closes everything; after success it closes the stream. */
  signal?: AbortSignal;
  /** ClientInit's shared flag (default true: other viewers stay connected). */
  shared?: boolean;
  /** Hand security types main cannot do to the page (default true). */
  allowPassthrough?: boolean;
  /**
   * Refuse with VNC_ENCRYPTION_UNAVAILABLE rather than log in without TLS
   * (VncAuth, None, a passthrough). The refusal comes right after the
   * server's offer: no password is sent. The caller leaves it off when the
   * transport is encrypted already (an SSH tunnel). Default false.
   */
  requireEncryption?: boolean;
  /**
   * Whether anonymous TLS (VeNCrypt TLSNone/TLSVnc/TLSPlain) can be used;
   * default: what this process's TLS library can do (anonymousTlsAvailable()).
   */
  anonymousTls?: boolean;
  timeouts?: Partial<StepTimeouts>;
}

/**
 * A VNC connection main has logged in to, ready for the page: the stream to hand the gateway and how the login was
 * secured.
 */
export interface AuthenticatedVnc {
  /** The page's end: an RFB 3.8 server that needs no authentication (or the server's own, for 'passthrough'). */
  stream: Duplex;
  security: VncSecurity;
  /** True when the connection to the server is TLS (VeNCrypt). */
  encrypted: boolean;
  /**
   * Not encrypted because the server's only TLS was anonymous (these
   * VeNCrypt subtypes, e.g. ['TLSVnc']) and this process cannot do
   * anonymous TLS: main fell back to VncAuth or None. Absent otherwise.
   */
  anonymousTlsSkipped?: string[];
  /** The RFB version main spoke with the server. */
  version: RfbVersion;
  /** From ServerInit (not known for 'passthrough', where the page does the rest). */
  desktopName?: string;
  width?: number;
  height?: number;
  /** For VeNCrypt: the TLS protocol and cipher, and the certificate for X509 subtypes. */
  tls?: { protocol: string; cipher: string; certificate?: VncCertificateInfo };
}

/** Connects and authenticates with the VNC server; see OpenVncOptions and AuthenticatedVnc. */
export function openAuthenticatedVnc(options: OpenVncOptions): Promise<AuthenticatedVnc> {
  return new VncConnector(options).open();
}

interface HandshakeHandlers {
  data: (chunk: Buffer) => void;
  end: () => void;
  error: (err: Error) => void;
}

/**
 * Owns one VNC connection's sockets around RfbServerHandshake: connects, upgrades to TLS when VeNCrypt asks, enforces
 * the step time limits and the abort signal, and hands the result to a VncPageStream. One open() per instance.
 */
export class VncConnector {
  readonly #state: ConnectionState;
  #raw: Duplex | undefined;
  #socket: Duplex | undefined;
  #tlsSocket: TLSSocket | undefined;
  #certificate: VncCertificateInfo | undefined;
  #handshake: RfbServerHandshake | undefined;
  #handlers: HandshakeHandlers | undefined;
  #failure: Error | undefined;
  #rejectFailed: (err: Error) => void = () => undefined;
  readonly #failed: Promise<never>;
  /** Aborted on failure: tells a pending password or certificate prompt to go away. */
  readonly #gaveUp = new AbortController();

  readonly #options: OpenVncOptions;

  constructor(options: OpenVncOptions) {
    this.#options = options;
    this.#state = new ConnectionState({ ...DEFAULT_TIMEOUTS, ...options.timeouts });
    this.#state.setTimeoutHandler((step) => this.#fail(vncError(VncErrorCode.Timeout, { step })));
    this.#failed = new Promise<never>((_, reject) => {
      this.#rejectFailed = reject;
    });
    // Only ever observed through race(); no unhandled rejection when nobody waits.
    this.#failed.catch(() => undefined);
  }

  /**
   * Connects and logs in, retrying once on a fresh connection when VeNCrypt offered no subtype main can use. Rejects
   * with what connect() rejects with (VNC_ or SSH_ codes), the server handshake's codes, VNC_TLS_FAILED,
   * VNC_CERT_REJECTED, VNC_CERT_CHANGED, VNC_TIMEOUT, VNC_SERVER_CLOSED or VNC_ABORTED; every socket is closed on
   * failure.
   */
  async open(): Promise<AuthenticatedVnc> {
    const { signal } = this.#options;
    if (signal?.aborted) throw vncError(VncErrorCode.Aborted, { step: 'idle' }, signal.reason);
    signal?.addEventListener('abort', this.#signalOnAbort);
    try {
      let outcome = await this.#attempt(true, []);
      if (outcome.kind === 'retry-without-vencrypt') {
        // A VeNCrypt offer without a subtype main can do: the server may
        // offer other types too, but only on a fresh connection.
        this.#dropConnection();
        outcome = await this.#attempt(false, outcome.subtypes);
      }
      if (outcome.kind === 'retry-without-vencrypt') throw new Error('VeNCrypt refused twice');
      return this.#handOver(outcome);
    } catch (err) {
      this.#fail(err as Error);
      throw this.#failure;
    } finally {
      signal?.removeEventListener('abort', this.#signalOnAbort);
    }
  }

  async #attempt(allowVeNCrypt: boolean, earlierSubtypes: readonly number[]): Promise<ServerHandshakeOutcome> {
    this.#state.to('connecting');
    const connecting = this.#options.connect();
    // A connection that arrives after we gave up is closed at once.
    connecting.then(
      (s) => this.#failure && s.destroy(),
      () => undefined,
    );
    const raw = await this.#race(connecting);
    this.#raw = raw;
    this.#socket = raw;
    const handshake = new RfbServerHandshake(
      this.#state,
      {
        write: (bytes) => {
          if (!this.#failure) this.#socket?.write(bytes);
        },
        password: () => this.#options.password(this.#gaveUp.signal),
        startTls: (kind) => this.#startTls(kind),
      },
      {
        username: this.#options.username,
        allowVeNCrypt,
        anonymousTls: this.#options.anonymousTls ?? anonymousTlsAvailable(),
        requireEncryption: this.#options.requireEncryption ?? false,
        earlierSubtypes,
        allowPassthrough: this.#options.allowPassthrough ?? true,
        shared: this.#options.shared ?? true,
      },
    );
    this.#handshake = handshake;
    this.#listen(raw);
    const outcome = await this.#race(handshake.run());
    this.#unlisten();
    return outcome;
  }

  async #startTls(kind: 'anon' | 'x509'): Promise<void> {
    const raw = this.#raw as Duplex;
    this.#unlisten();
    let secure: TLSSocket;
    try {
      secure = connectVncTls(raw, kind);
    } catch (err) {
      // The TLS library refused the options themselves (as BoringSSL refuses
      // anonymous suites): a VNC error the tab can explain, not a crash.
      throw vncError(
        VncErrorCode.TlsFailed,
        { step: 'tls', error: (err as NodeJS.ErrnoException).code ?? (err as Error).message },
        err,
      );
    }
    quiet(secure);
    this.#socket = secure;
    this.#tlsSocket = secure;
    await this.#race(secureConnected(secure));
    this.#listen(secure);
    if (kind === 'anon') return;

    this.#state.to('certificate');
    const cert = secure.getPeerX509Certificate();
    if (!cert)
      throw vncError(VncErrorCode.TlsFailed, { step: 'certificate', problem: 'the server sent no certificate' });
    const info = certificateInfo(cert, secure.authorized);
    const verdict = await this.#race(this.#options.trustCertificate(info, this.#gaveUp.signal));
    if (verdict === 'changed') throw vncError(VncErrorCode.CertChanged, { fingerprint: info.fingerprint });
    if (verdict !== true) throw vncError(VncErrorCode.CertRejected, { fingerprint: info.fingerprint });
    this.#certificate = info;
  }

  #handOver(outcome: Exclude<ServerHandshakeOutcome, { kind: 'retry-without-vencrypt' }>): AuthenticatedVnc {
    const server = this.#socket as Duplex;
    const raw = this.#raw as Duplex;
    const plan: PagePlan =
      outcome.kind === 'authenticated'
        ? { kind: 'authenticated', serverInit: outcome.serverInit }
        : {
            kind: 'passthrough',
            serverVersion: outcome.serverVersion,
            clientVersion: outcome.version,
            securityOffer: outcome.securityOffer,
          };
    const stream = new VncPageStream({
      server,
      serverRest: (this.#handshake as RfbServerHandshake).takeRest(),
      release: () => {
        server.destroy();
        raw.destroy();
      },
      state: this.#state,
      plan,
      signal: this.#options.signal,
    });
    // The page stream owns the connection from here.
    this.#socket = undefined;
    this.#raw = undefined;
    const tls = this.#tlsSocket;
    const cipher = tls?.getCipher();
    return {
      stream,
      security: outcome.kind === 'authenticated' ? outcome.security : 'passthrough',
      encrypted: tls !== undefined,
      ...(outcome.kind === 'authenticated' && outcome.anonymousTlsSkipped
        ? { anonymousTlsSkipped: outcome.anonymousTlsSkipped }
        : {}),
      version: outcome.version,
      ...(outcome.kind === 'authenticated'
        ? { desktopName: outcome.desktopName, width: outcome.width, height: outcome.height }
        : {}),
      ...(tls && cipher
        ? {
            tls: {
              protocol: tls.getProtocol() ?? 'unknown',
              cipher: cipher.standardName,
              ...(this.#certificate ? { certificate: this.#certificate } : {}),
            },
          }
        : {}),
    };
  }

  /** Waits for `promise`, unless the connection fails first (timeout, abort, server gone). */
  #race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.#failed]);
  }

  #listen(socket: Duplex): void {
    const handshake = this.#handshake as RfbServerHandshake;
    const handlers: HandshakeHandlers = {
      data: (chunk) => handshake.push(chunk),
      end: () => {
        const closed = vncError(VncErrorCode.ServerClosed, { step: this.#state.step });
        handshake.end(closed);
        // Bytes already received may still explain the close (a reason), so
        // the handshake reads them first; but a person deciding on a password
        // or certificate is told at once that the server is gone.
        if (this.#state.is('password', 'certificate')) this.#fail(closed);
      },
      error: (err) =>
        handshake.end(
          vncError(
            VncErrorCode.ServerClosed,
            { step: this.#state.step, error: (err as NodeJS.ErrnoException).code ?? err.message },
            err,
          ),
        ),
    };
    this.#handlers = handlers;
    socket.on('data', handlers.data);
    socket.on('end', handlers.end);
    socket.on('close', handlers.end);
    socket.on('error', handlers.error);
  }

  /** Stops reading: the next owner (TLS, the page stream) takes the socket paused. */
  #unlisten(): void {
    const socket = this.#socket;
    const handlers = this.#handlers;
    if (!socket || !handlers) return;
    socket.pause();
    socket.off('data', handlers.data);
    socket.off('end', handlers.end);
    socket.off('close', handlers.end);
    socket.off('error', handlers.error);
    quiet(socket);
    this.#handlers = undefined;
  }

  #dropConnection(): void {
    this.#unlisten();
    for (const socket of [this.#socket, this.#raw]) quiet(socket)?.destroy();
    this.#socket = undefined;
    this.#raw = undefined;
    this.#tlsSocket = undefined;
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#state.close();
    this.#handshake?.end(err);
    this.#dropConnection();
    this.#rejectFailed(err);
    this.#gaveUp.abort(err);
  }

  readonly #signalOnAbort = (): void => {
    this.#fail(vncError(VncErrorCode.Aborted, { step: this.#state.step }, this.#options.signal?.reason));
  };
}

/** A late error from a socket nobody reads (or one being torn down) must not crash main. */
function quiet(socket: Duplex | undefined): Duplex | undefined {
  if (socket && !socket.listeners('error').includes(ignoreError)) socket.on('error', ignoreError);
  return socket;
}

function ignoreError(): void {
  // See quiet().
}

/** Resolves once TLS is up; a TLS error or a close first is VNC_TLS_FAILED / VNC_SERVER_CLOSED. */
function secureConnected(socket: TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      socket.off('secureConnect', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onSecure = (): void => {
      done();
      resolve();
    };
    const onError = (err: Error): void => {
      done();
      reject(
        vncError(
          VncErrorCode.TlsFailed,
          { step: 'tls', error: (err as NodeJS.ErrnoException).code ?? err.message },
          err,
        ),
      );
    };
    const onClose = (): void => {
      done();
      reject(vncError(VncErrorCode.ServerClosed, { step: 'tls' }));
    };
    socket.on('secureConnect', onSecure);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
