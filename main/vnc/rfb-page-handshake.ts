// Main's side of the RFB handshake with the page (noVNC), as a server. After
// main authenticated with the real server, the page gets a handshake that
// needs no authentication: 3.8, security type None, SecurityResult OK, then
// the real server's ServerInit replayed. For a passthrough, the page gets the
// server's own version and security offer and authenticates itself.
//
// No I/O here either: page bytes in through push(), bytes for the page out
// through `write`.
import type { RfbVersion } from '../../shared/vnc-protocol.js';
import { VncErrorCode } from '../../shared/vnc-protocol.js';
import { parseRfbVersion, publishedVersion, RFB_VERSION_LENGTH, rfbVersionBytes } from './rfb-version.js';
import { vncError } from './vnc-errors.js';

/**
 * What the page is told: `authenticated` gets a no-auth 3.8 handshake and the server's ServerInit replayed;
 * `passthrough` gets the server's own version and security offer and authenticates itself.
 */
export type PagePlan =
  | { kind: 'authenticated'; serverInit: Buffer }
  | { kind: 'passthrough'; serverVersion: Buffer; clientVersion: RfbVersion; securityOffer: Buffer };

type PageStep = 'start' | 'version' | 'security-choice' | 'client-init' | 'done';

const SECURITY_NONE = 1;

/**
 * Main acting as an RFB server towards the page (RFC 6143 §7.1–7.3), I/O-free: page bytes in by push(), bytes out
 * through `write`. A malformed or unexpected message throws VNC_PROTOCOL_ERROR.
 */
export class RfbPageHandshake {
  #step: PageStep = 'start';
  #buffer: Buffer = Buffer.alloc(0);
  #pageVersion: RfbVersion = '3.8';

  readonly #plan: PagePlan;
  readonly #write: (bytes: Buffer) => void;

  constructor(plan: PagePlan, write: (bytes: Buffer) => void) {
    this.#plan = plan;
    this.#write = write;
  }

  /**
   * True once the page's ClientInit was read (or, for passthrough, its version): from then on bytes go straight to the
   * server.
   */
  get done(): boolean {
    return this.#step === 'done';
  }

  /** Sends the first message: main's ProtocolVersion (or the server's, for a passthrough). */
  start(): void {
    if (this.#step !== 'start') throw new Error('RfbPageHandshake started twice');
    this.#step = 'version';
    this.#write(this.#plan.kind === 'authenticated' ? rfbVersionBytes('3.8') : this.#plan.serverVersion);
  }

  /**
   * Page bytes. Returns undefined while the handshake goes on; once it is
   * done, the bytes that followed it (they are for the server). Throws a
   * VNC_PROTOCOL_ERROR when the page breaks the protocol.
   */
  push(chunk: Buffer): Buffer | undefined {
    if (this.#step === 'start' || this.#step === 'done') throw new Error(`RfbPageHandshake.push in step ${this.#step}`);
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const need = this.#step === 'version' ? RFB_VERSION_LENGTH : 1;
      if (this.#buffer.length < need) return undefined;
      const message = this.#buffer.subarray(0, need);
      this.#buffer = this.#buffer.subarray(need);
      this.#handle(message);
      if (this.done) {
        const rest = this.#buffer;
        this.#buffer = Buffer.alloc(0);
        return rest;
      }
    }
  }

  #handle(message: Buffer): void {
    if (this.#step === 'version') return this.#version(message);
    if (this.#step === 'security-choice') return this.#securityChoice(message[0] as number);
    // ClientInit: its shared flag was main's to choose when it met the server.
    if (this.#plan.kind === 'authenticated') this.#write(this.#plan.serverInit);
    this.#step = 'done';
  }

  #version(message: Buffer): void {
    const parsed = parseRfbVersion(message);
    const version = parsed && publishedVersion(parsed);
    if (this.#plan.kind === 'passthrough') {
      // The server already has main's answer; the page must have said the same.
      if (version !== this.#plan.clientVersion)
        throw pageError(`version ${describe(message)} differs from ${this.#plan.clientVersion} sent to the server`);
      this.#write(this.#plan.securityOffer);
      this.#step = 'done';
      return;
    }
    if (!version) throw pageError(`bad ProtocolVersion ${describe(message)}`);
    this.#pageVersion = version;
    if (version === '3.3') {
      // RFB 3.3: the server names the type as a U32; no result follows None.
      this.#write(u32(SECURITY_NONE));
      this.#step = 'client-init';
    } else {
      this.#write(Buffer.from([1, SECURITY_NONE]));
      this.#step = 'security-choice';
    }
  }

  #securityChoice(type: number): void {
    if (type !== SECURITY_NONE) throw pageError(`chose security type ${type}, not None`);
    // RFC 6143 §7.2.1: SecurityResult follows None from 3.8 on only.
    if (this.#pageVersion === '3.8') this.#write(u32(0));
    this.#step = 'client-init';
  }
}

function pageError(problem: string): Error {
  return vncError(VncErrorCode.ProtocolError, { side: 'page', problem });
}

function describe(message: Buffer): string {
  return JSON.stringify(message.toString('latin1'));
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
