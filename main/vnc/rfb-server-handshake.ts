// Main's side of the RFB handshake with the VNC server, as a client: version,
// security type, authentication (VNC Authentication, VeNCrypt), the result,
// and ClientInit/ServerInit (RFC 6143 §7.1–7.3; VeNCrypt as TigerVNC and
// QEMU implement it, version 0.2).
//
// Like ssh2's Protocol, this does no I/O: the owner pushes the server's bytes
// in with push()/end() and sends what comes out of hooks.write. The owner
// also does what needs sockets or a person (TLS, the password) through hooks.
import type { RfbVersion, VncSecurity } from '../../shared/vnc-protocol.js';
import { VncErrorCode } from '../../shared/vnc-protocol.js';
import { ByteReader } from './byte-reader.js';
import type { ConnectionState } from './connection-state.js';
import { clientVersionFor, parseRfbVersion, RFB_VERSION_LENGTH, rfbVersionBytes } from './rfb-version.js';
import { VNC_CHALLENGE_LENGTH, vncAuthResponse } from './vnc-auth.js';
import { sanitiseReason, vncError } from './vnc-errors.js';
import { describeOffer, veNCryptSubtypeName } from './security-names.js';

/** The I/O the server handshake needs from its owner: write bytes, get the password, upgrade the socket to TLS. */
export interface ServerHandshakeHooks {
  write(bytes: Buffer): void;
  /** The password (saved, or asked of the person); undefined if there is none. */
  password(): Promise<string | undefined>;
  /**
   * Upgrades the connection to TLS (and, for 'x509', has the certificate
   * trusted). Afterwards push() must get the decrypted bytes.
   */
  startTls(kind: 'anon' | 'x509'): Promise<void>;
}

/** Choices the server handshake makes about which security types it may take. */
export interface ServerHandshakeOptions {
  /** User name for the VeNCrypt Plain subtypes; without it they are not chosen. */
  username: string | undefined;
  /** Off on the second try after a VeNCrypt offer had no subtype main can use. */
  allowVeNCrypt: boolean;
  /**
   * Whether this process's TLS library can do anonymous TLS (vnc-tls.ts
   * anonymousTlsAvailable()). Without it the TLS* subtypes are never chosen.
   */
  anonymousTls: boolean;
  /**
   * Refuse (VNC_ENCRYPTION_UNAVAILABLE) instead of logging in without TLS:
   * no password or ClientInit is sent over an unencrypted connection.
   */
  requireEncryption: boolean;
  /** VeNCrypt subtypes the server offered on the connection before this one (the second try), for messages. */
  earlierSubtypes?: readonly number[];
  /** Hand offers main cannot take to the page instead of failing. */
  allowPassthrough: boolean;
  /** ClientInit's shared flag: 1 keeps other viewers connected. */
  shared: boolean;
}

/**
 * How the server handshake ended: logged in (with what security, and the ServerInit to replay), a VeNCrypt offer to
 * retry without, or a security offer to hand the page unchanged.
 */
export type ServerHandshakeOutcome =
  | {
      kind: 'authenticated';
      version: RfbVersion;
      security: Exclude<VncSecurity, 'passthrough'>;
      /**
       * Without TLS only: the server's anonymous-TLS subtypes (e.g. ['TLSVnc'])
       * that would have encrypted the connection, had this process's TLS
       * library been able to do them. Absent otherwise.
       */
      anonymousTlsSkipped?: string[];
      /** ServerInit as the server sent it, to replay to the page. */
      serverInit: Buffer;
      width: number;
      height: number;
      desktopName: string;
    }
  | {
      kind: 'passthrough';
      version: RfbVersion;
      /** The server's ProtocolVersion and security offer, as sent, for the page. */
      serverVersion: Buffer;
      securityOffer: Buffer;
    }
  | {
      kind: 'retry-without-vencrypt';
      /** The VeNCrypt subtypes the server offered (empty when it did not get that far). */
      subtypes: number[];
    };

/** RFC 6143 §7.2 and the IANA RFB registry. */
export const SecurityType = { Invalid: 0, None: 1, VncAuth: 2, VeNCrypt: 19 } as const;

/**
 * Types noVNC 1.7 can do itself (core/rfb.js _isSupportedSecurityType): an
 * offer with one of these, and none main takes, is passed through.
 */
const PAGE_TYPES: ReadonlySet<number> = new Set([1, 2, 6, 16, 19, 22, 30, 113, 256]);

interface VeNCryptSubtype {
  id: number;
  tls: 'anon' | 'x509';
  inner: 'none' | 'vnc' | 'plain';
  security: Exclude<VncSecurity, 'passthrough' | 'none' | 'vnc-auth'>;
}

/**
 * VeNCrypt subtypes main does, best first: a certificate (a server that can
 * be recognised) over anonymous TLS, then a password over none. Plain (256)
 * without TLS is not here: it would send the password in clear.
 */
const SUBTYPES: readonly VeNCryptSubtype[] = [
  { id: 261, tls: 'x509', inner: 'vnc', security: 'vencrypt-x509-vnc' },
  { id: 262, tls: 'x509', inner: 'plain', security: 'vencrypt-x509-plain' },
  { id: 260, tls: 'x509', inner: 'none', security: 'vencrypt-x509-none' },
  { id: 258, tls: 'anon', inner: 'vnc', security: 'vencrypt-tls-vnc' },
  { id: 259, tls: 'anon', inner: 'plain', security: 'vencrypt-tls-plain' },
  { id: 257, tls: 'anon', inner: 'none', security: 'vencrypt-tls-none' },
];

/** Reasons and desktop names are short; a larger length is an attack or garbage. */
export const MAX_STRING_LENGTH = 64 * 1024;

const SERVER_INIT_FIXED = 24;

/**
 * Main acting as the RFB client towards the real server (RFC 6143 §7.1–7.3): version, security type (None, VNC
 * Authentication §7.2.2, VeNCrypt with TLS and Plain), SecurityResult, then reads ServerInit (§7.3.2). Bytes come in
 * through push(), go out through the hooks.
 */
export class RfbServerHandshake {
  readonly #reader: ByteReader;
  #version: RfbVersion = '3.8';

  readonly #state: ConnectionState;
  readonly #hooks: ServerHandshakeHooks;
  readonly #options: ServerHandshakeOptions;

  constructor(state: ConnectionState, hooks: ServerHandshakeHooks, options: ServerHandshakeOptions) {
    this.#state = state;
    this.#hooks = hooks;
    this.#options = options;
    this.#reader = new ByteReader(() => vncError(VncErrorCode.ServerClosed, { step: this.#state.step }));
  }

  /** Bytes from the server (decrypted, once TLS is on). */
  push(chunk: Buffer): void {
    this.#reader.push(chunk);
  }

  /** The server is gone (or the owner gives up): a pending read fails. */
  end(err?: Error): void {
    this.#reader.end(err);
  }

  /** Server bytes that arrived after the handshake; they belong to the page. */
  takeRest(): Buffer {
    return this.#reader.takeRest();
  }

  /**
   * Runs the handshake to the end. Rejects with VNC_PROTOCOL_ERROR (malformed message, unsupported version),
   * VNC_SERVER_REFUSED (the server sent a reason string), VNC_UNSUPPORTED_SECURITY, VNC_PASSWORD_REQUIRED,
   * VNC_AUTH_FAILED, VNC_TOO_MANY_ATTEMPTS, VNC_ENCRYPTION_UNAVAILABLE, VNC_ANONYMOUS_TLS_UNAVAILABLE,
   * VNC_SERVER_CLOSED, or whatever startTls rejects with.
   */
  async run(): Promise<ServerHandshakeOutcome> {
    this.#state.to('version');
    const serverVersion = await this.#reader.read(RFB_VERSION_LENGTH);
    const parsed = parseRfbVersion(serverVersion);
    if (!parsed)
      throw vncError(VncErrorCode.ProtocolError, { step: 'version', problem: 'not an RFB ProtocolVersion message' });
    const version = clientVersionFor(parsed);
    if (!version)
      throw vncError(VncErrorCode.ProtocolError, {
        step: 'version',
        problem: `unsupported RFB version ${parsed.major}.${parsed.minor}`,
      });
    this.#version = version;
    this.#hooks.write(rfbVersionBytes(version));

    this.#state.to('security');
    const offer = version === '3.3' ? await this.#serverChosenType() : await this.#offeredTypes();
    this.#offered = version === '3.3' ? [offer.readUInt32BE(0)] : [...offer.subarray(1)];
    const type = version === '3.3' ? acceptServerChoice(offer.readUInt32BE(0)) : this.#chooseType(this.#offered);
    // Neither None nor VncAuth (nor a passthrough) encrypts anything.
    if (type !== SecurityType.VeNCrypt && this.#options.requireEncryption) throw this.#encryptionUnavailable();
    if (type === undefined) return this.#passthrough(version, serverVersion, offer);
    if (version !== '3.3') this.#hooks.write(Buffer.from([type]));

    let security: Exclude<VncSecurity, 'passthrough'>;
    if (type === SecurityType.None) {
      security = 'none';
      // RFC 6143 §7.2.1: before 3.8 there is no SecurityResult after None.
      if (version === '3.8') await this.#securityResult(false);
    } else if (type === SecurityType.VncAuth) {
      security = 'vnc-auth';
      await this.#vncAuthentication();
      await this.#securityResult(true);
    } else {
      const chosen = await this.#veNCrypt();
      if (!chosen) return { kind: 'retry-without-vencrypt', subtypes: this.#subtypes };
      security = chosen.security;
      await this.#securityResult(chosen.inner !== 'none');
    }

    const skipped = security === 'none' || security === 'vnc-auth' ? this.#anonymousSkipped() : [];
    return {
      kind: 'authenticated',
      version,
      security,
      ...(skipped.length > 0 ? { anonymousTlsSkipped: skipped.map(veNCryptSubtypeName) } : {}),
      ...(await this.#initialise()),
    };
  }

  /** RFB 3.3: the server picks the type and sends it as a U32 (§7.1.2 of RFC 6143's predecessor). */
  async #serverChosenType(): Promise<Buffer> {
    const offer = await this.#reader.read(4);
    if (offer.readUInt32BE(0) === SecurityType.Invalid) await this.#refused();
    return offer;
  }

  /** RFB 3.7+: a count (a U8, so at most 255) and the types; zero means "refused, here is why". */
  async #offeredTypes(): Promise<Buffer> {
    const count = await this.#reader.readU8();
    if (count === 0) await this.#refused();
    return Buffer.concat([Buffer.from([count]), await this.#reader.read(count)]);
  }

  /** The server's security offer (top level), once read. */
  #offered: number[] = [];
  /** The VeNCrypt subtypes the server offered on this connection, once read. */
  #subtypes: number[] = [];

  /** Anonymous-TLS subtypes the server offered (now or on the connection before) that this process cannot do. */
  #anonymousSkipped(): number[] {
    if (this.#options.anonymousTls) return [];
    const all = new Set([...(this.#options.earlierSubtypes ?? []), ...this.#subtypes]);
    return SUBTYPES.filter((s) => s.tls === 'anon' && all.has(s.id)).map((s) => s.id);
  }

  #offerDetails(): { offered: string; anonymousTls?: string[] } {
    const skipped = this.#anonymousSkipped();
    const subtypes = this.#subtypes.length > 0 ? this.#subtypes : [...(this.#options.earlierSubtypes ?? [])];
    return {
      offered: describeOffer(this.#offered, subtypes),
      ...(skipped.length > 0 ? { anonymousTls: skipped.map(veNCryptSubtypeName) } : {}),
    };
  }

  #encryptionUnavailable(): Error {
    return vncError(VncErrorCode.EncryptionUnavailable, { step: this.#state.step, ...this.#offerDetails() });
  }

  /** Prefers VeNCrypt (the only way to encrypt), then VNC Authentication, then None. */
  #chooseType(types: number[]): number | undefined {
    if (this.#options.allowVeNCrypt && types.includes(SecurityType.VeNCrypt)) return SecurityType.VeNCrypt;
    if (types.includes(SecurityType.VncAuth)) return SecurityType.VncAuth;
    if (types.includes(SecurityType.None)) return SecurityType.None;
    return undefined;
  }

  #passthrough(version: RfbVersion, serverVersion: Buffer, offer: Buffer): ServerHandshakeOutcome {
    const types = version === '3.3' ? [offer.readUInt32BE(0)] : [...offer.subarray(1)];
    // VeNCrypt whose subtypes main could not do for lack of anonymous TLS:
    // the page (noVNC, no TLS in a browser) cannot do them either.
    const skipped = this.#anonymousSkipped().length > 0;
    const pageCan = types.some((t) => PAGE_TYPES.has(t) && !(skipped && t === SecurityType.VeNCrypt));
    if (!this.#options.allowPassthrough || !pageCan) {
      if (skipped)
        throw vncError(VncErrorCode.AnonymousTlsUnavailable, { step: 'security', types, ...this.#offerDetails() });
      throw vncError(VncErrorCode.UnsupportedSecurity, { types });
    }
    return { kind: 'passthrough', version, serverVersion, securityOffer: offer };
  }

  async #vncAuthentication(): Promise<void> {
    this.#state.to('challenge');
    const challenge = await this.#reader.read(VNC_CHALLENGE_LENGTH);
    const password = await this.#askPassword();
    this.#hooks.write(vncAuthResponse(password, challenge));
  }

  async #askPassword(): Promise<string> {
    this.#state.to('password');
    const password = await this.#hooks.password();
    if (password === undefined) throw vncError(VncErrorCode.PasswordRequired);
    return password;
  }

  /** VeNCrypt 0.2; undefined when no subtype fits (the caller tries again without VeNCrypt). */
  async #veNCrypt(): Promise<VeNCryptSubtype | undefined> {
    this.#state.to('vencrypt');
    const major = await this.#reader.readU8();
    const minor = await this.#reader.readU8();
    // 0.1 numbered its subtypes differently and nobody ships it any more.
    if (major === 0 && minor < 2) return undefined;
    this.#hooks.write(Buffer.from([0, 2]));
    if ((await this.#reader.readU8()) !== 0) return undefined;
    const count = await this.#reader.readU8();
    const ids = await this.#reader.read(count * 4);
    this.#subtypes = Array.from({ length: count }, (_, i) => ids.readUInt32BE(i * 4));
    const offered = new Set(this.#subtypes);
    const chosen = SUBTYPES.find(
      (s) =>
        offered.has(s.id) &&
        (s.tls !== 'anon' || this.#options.anonymousTls) &&
        (s.inner !== 'plain' || this.#options.username !== undefined),
    );
    if (!chosen) {
      // Decided here, on what the server offered, rather than after a
      // reconnect that could only end the same way.
      if (this.#options.requireEncryption) throw this.#encryptionUnavailable();
      const others = this.#offered.filter((t) => t !== SecurityType.VeNCrypt);
      const elsewhere = others.some(
        (t) =>
          t === SecurityType.VncAuth ||
          t === SecurityType.None ||
          (this.#options.allowPassthrough && PAGE_TYPES.has(t)),
      );
      if (!elsewhere && this.#anonymousSkipped().length > 0) {
        throw vncError(VncErrorCode.AnonymousTlsUnavailable, {
          step: 'vencrypt',
          types: this.#offered,
          ...this.#offerDetails(),
        });
      }
      return undefined;
    }
    const choice = Buffer.alloc(4);
    choice.writeUInt32BE(chosen.id);
    this.#hooks.write(choice);
    // TigerVNC's SSecurityVeNCrypt: 1 means "go ahead with TLS", 0 refuses.
    if ((await this.#reader.readU8()) !== 1)
      throw vncError(VncErrorCode.ServerRefused, { step: 'vencrypt', subtype: chosen.id });

    this.#state.to('tls');
    // TLS starts with our ClientHello: a server byte before it would be lost
    // to the TLS layer, so it can only be a broken server.
    if (this.#reader.length > 0)
      throw vncError(VncErrorCode.ProtocolError, { step: 'tls', problem: 'data before the TLS handshake' });
    await this.#hooks.startTls(chosen.tls);

    if (chosen.inner === 'vnc') await this.#vncAuthentication();
    if (chosen.inner === 'plain') await this.#plainAuthentication();
    return chosen;
  }

  async #plainAuthentication(): Promise<void> {
    const password = Buffer.from(await this.#askPassword(), 'utf8');
    const username = Buffer.from(this.#options.username ?? '', 'utf8');
    const lengths = Buffer.alloc(8);
    lengths.writeUInt32BE(username.length, 0);
    lengths.writeUInt32BE(password.length, 4);
    const message = Buffer.concat([lengths, username, password]);
    password.fill(0);
    this.#hooks.write(message);
  }

  /** RFC 6143 §7.1.3; 3.8 adds a reason after a failure. */
  async #securityResult(sentPassword: boolean): Promise<void> {
    this.#state.to('security-result');
    const result = await this.#reader.readU32();
    if (result === 0) return;
    let reason = '';
    if (this.#version === '3.8') {
      try {
        reason = await this.#readReason();
      } catch (err) {
        // Some servers close instead of explaining; the failure still stands.
        if ((err as { code?: string }).code !== VncErrorCode.ServerClosed) throw err;
      }
    }
    // 2 is "too many attempts" in RFB 3.3's spec and in old servers.
    if (result === 2 || tooMany(reason))
      throw vncError(VncErrorCode.TooManyAttempts, { step: 'security-result', reason });
    throw vncError(sentPassword ? VncErrorCode.AuthFailed : VncErrorCode.ServerRefused, {
      step: 'security-result',
      reason,
    });
  }

  async #refused(): Promise<never> {
    const reason = await this.#readReason();
    throw vncError(tooMany(reason) ? VncErrorCode.TooManyAttempts : VncErrorCode.ServerRefused, {
      step: 'security',
      reason,
    });
  }

  async #readReason(): Promise<string> {
    const length = await this.#reader.readU32();
    if (length > MAX_STRING_LENGTH)
      throw vncError(VncErrorCode.ProtocolError, { step: this.#state.step, problem: `reason of ${length} bytes` });
    return sanitiseReason(await this.#reader.read(length));
  }

  /** ClientInit, then ServerInit read whole so the page can get it replayed (§7.3). */
  async #initialise(): Promise<{ serverInit: Buffer; width: number; height: number; desktopName: string }> {
    this.#state.to('init');
    this.#hooks.write(Buffer.from([this.#options.shared ? 1 : 0]));
    const fixed = await this.#reader.read(SERVER_INIT_FIXED);
    const nameLength = fixed.readUInt32BE(20);
    if (nameLength > MAX_STRING_LENGTH)
      throw vncError(VncErrorCode.ProtocolError, { step: 'init', problem: `desktop name of ${nameLength} bytes` });
    const name = await this.#reader.read(nameLength);
    return {
      serverInit: Buffer.concat([fixed, name]),
      width: fixed.readUInt16BE(0),
      height: fixed.readUInt16BE(2),
      // Decoded for main's own use (logs, the tab title as text); the page
      // gets the bytes unchanged inside ServerInit.
      desktopName: new TextDecoder('utf-8', { fatal: false }).decode(name),
    };
  }
}

/** A 3.3 server's pick main can do (it has no VeNCrypt: that needs 3.7+). */
function acceptServerChoice(type: number): number | undefined {
  return type === SecurityType.None || type === SecurityType.VncAuth ? type : undefined;
}

/** TigerVNC says "Too many security failures"; others "too many attempts". */
function tooMany(reason: string): boolean {
  return /too many/i.test(reason);
}
