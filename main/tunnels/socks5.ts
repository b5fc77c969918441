// The SOCKS5 handshake (RFC 1928) as bytes in, decisions out: no sockets
// here (docs/CONTRIBUTING.md, "Protocol code does no I/O"); the dynamic
// forward owns the socket. Only "no authentication required" (method 0x00)
// and CONNECT (0x01) are accepted, as `ssh -D` accepts them; a domain name is
// handed on as text, to be resolved by the SSH server, never here.

/** RFC 1928 §6 reply codes. */
export const SOCKS_REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;

/** The longest greeting (2 + 255 methods) and request (4 + 1 + 255 + 2) there can be. */
export const MAX_HANDSHAKE_BYTES = 2 + 255 + 4 + 1 + 255 + 2;

const VERSION = 5;
const NO_AUTH = 0x00;
const NO_ACCEPTABLE_METHOD = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;
/** Letters, digits, dots, hyphens and underscores: anything else is no host name a server should look up. */
const DOMAIN = /^[A-Za-z0-9._-]+$/;

/** What the dynamic forward does next with the client's socket. */
export type SocksStep =
  /** Send `reply` (the method choice) and keep reading. */
  | { kind: 'reply'; reply: Buffer }
  /** Open a channel to host:port; `rest` is what the client sent after the request. */
  | { kind: 'connect'; host: string; port: number; rest: Buffer }
  /** Send `reply` (when not null) and close: the handshake failed. */
  | { kind: 'refuse'; reply: Buffer | null; why: string };

/**
 * Feed it what arrives, in any chunking (one byte at a time included);
 * each push returns the steps now decided. After 'connect' or 'refuse' it
 * takes nothing more.
 */
export class Socks5Handshake {
  #buffered: Buffer = Buffer.alloc(0);
  #phase: 'greeting' | 'request' | 'done' = 'greeting';

  /** Takes the next bytes from the client; [] while a greeting or request is still incomplete, and after the last step. */
  push(chunk: Buffer): SocksStep[] {
    if (this.#phase === 'done') return [];
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    const steps: SocksStep[] = [];
    for (;;) {
      const step = this.#phase === 'greeting' ? this.#greeting() : this.#request();
      if (step === undefined) return steps;
      steps.push(step);
      if (step.kind !== 'reply') {
        this.#phase = 'done';
        this.#buffered = Buffer.alloc(0);
        return steps;
      }
    }
  }

  /** VER NMETHODS METHODS (RFC 1928 §3). */
  #greeting(): SocksStep | undefined {
    const b = this.#buffered;
    if (b.length < 1) return undefined;
    // Not SOCKS5 (SOCKS4, TLS, HTTP): there is no reply it could read.
    if (b[0] !== VERSION) return refuse(null, `not SOCKS version 5 (first byte 0x${hex(b[0] as number)})`);
    if (b.length < 2) return undefined;
    const n = b[1] as number;
    if (b.length < 2 + n) return undefined;
    const methods = b.subarray(2, 2 + n);
    this.#buffered = b.subarray(2 + n);
    if (!methods.includes(NO_AUTH))
      return refuse(Buffer.from([VERSION, NO_ACCEPTABLE_METHOD]), 'the client offers no method without authentication');
    this.#phase = 'request';
    return { kind: 'reply', reply: Buffer.from([VERSION, NO_AUTH]) };
  }

  /** VER CMD RSV ATYP DST.ADDR DST.PORT (RFC 1928 §4). */
  #request(): SocksStep | undefined {
    const b = this.#buffered;
    if (b.length < 1) return undefined;
    if (b[0] !== VERSION) return refuse(socksReply(SOCKS_REPLY.generalFailure), 'the request is not SOCKS version 5');
    if (b.length < 2) return undefined;
    if (b[1] !== CMD_CONNECT)
      return refuse(socksReply(SOCKS_REPLY.commandNotSupported), `command 0x${hex(b[1] as number)} is not CONNECT`);
    if (b.length < 4) return undefined;
    const atyp = b[3] as number;
    const addrLength =
      atyp === ATYP_IPV4
        ? 4
        : atyp === ATYP_IPV6
          ? 16
          : atyp === ATYP_DOMAIN
            ? b.length < 5
              ? -1
              : 1 + (b[4] as number)
            : 0;
    if (addrLength === 0)
      return refuse(socksReply(SOCKS_REPLY.addressTypeNotSupported), `address type 0x${hex(atyp)} is unknown`);
    if (addrLength < 0 || b.length < 4 + addrLength + 2) return undefined;
    const addr = b.subarray(4, 4 + addrLength);
    const port = b.readUInt16BE(4 + addrLength);
    const rest = b.subarray(4 + addrLength + 2);
    const host =
      atyp === ATYP_IPV4
        ? [...addr].join('.')
        : atyp === ATYP_IPV6
          ? ipv6Text(addr)
          : addr.subarray(1).toString('latin1');
    if (atyp === ATYP_DOMAIN && !DOMAIN.test(host))
      return refuse(
        socksReply(SOCKS_REPLY.hostUnreachable),
        'the domain name is empty or holds characters no host name has',
      );
    return { kind: 'connect', host, port, rest: Buffer.from(rest) };
  }
}

/**
 * A reply with BND.ADDR 0.0.0.0 and BND.PORT 0, as `ssh -D` answers: the
 * address the SSH server connected from is not known to the client.
 */
export function socksReply(code: number): Buffer {
  return Buffer.from([VERSION, code, 0x00, ATYP_IPV4, 0, 0, 0, 0, 0, 0]);
}

function refuse(reply: Buffer | null, why: string): SocksStep {
  return { kind: 'refuse', reply, why };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Eight groups, no "::" shortening: any getaddrinfo reads it. */
function ipv6Text(a: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(a.readUInt16BE(i).toString(16));
  return groups.join(':');
}
