// Reads the server's first KEXINIT (RFC 4253 §7.1) off the wire, so that a
// failed negotiation can say what the server allows. ssh2 reports only
// "Handshake failed: no matching C->S cipher" and keeps the server's lists to
// itself. The first KEXINIT travels in clear, right after the identification
// line (RFC 4253 §4.2), so a byte tap on the transport's first 'data' events
// is enough.
//
// The tap wraps the stream's emit() rather than adding a 'data' listener: a
// listener would switch the stream to flowing before ssh2 attaches its own
// (ssh2 does so a microtask or more after connect), losing the banner. It
// removes itself once the KEXINIT is read, or after 64 KiB, so the data path
// of an open connection is untouched.
import type { Duplex } from 'node:stream';

/** The server's SSH_MSG_KEXINIT name-lists (RFC 4253 §7.1), in its order; Cs is client→server, Sc server→client. */
export interface ServerKexInit {
  kex: string[];
  serverHostKey: string[];
  cipherCs: string[];
  cipherSc: string[];
  macCs: string[];
  macSc: string[];
  compressCs: string[];
  compressSc: string[];
}

const MSG_KEXINIT = 20;
const LIMIT = 64 * 1024;

/** Starts watching; the returned function gives the server's KEXINIT once seen. */
export function tapServerKexInit(stream: Duplex): () => ServerKexInit | undefined {
  let seen: ServerKexInit | undefined;
  let buf = Buffer.alloc(0);
  const own = Object.prototype.hasOwnProperty.call(stream, 'emit');
  const original = stream.emit;
  const restore = (): void => {
    if (own) stream.emit = original;
    else delete (stream as unknown as Record<string, unknown>)['emit'];
  };
  stream.emit = function tapped(this: Duplex, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data' && Buffer.isBuffer(args[0])) {
      buf = Buffer.concat([buf, args[0]]);
      const parsed = parseKexInit(buf);
      if (parsed !== 'more' || buf.length > LIMIT) {
        seen = parsed === 'more' || parsed === 'bad' ? undefined : parsed;
        buf = Buffer.alloc(0);
        restore();
      }
    }
    return original.call(this, event, ...args);
  } as Duplex['emit'];
  return () => seen;
}

/** The server's KEXINIT from the start of its byte stream; 'more' when incomplete. */
export function parseKexInit(bytes: Buffer): ServerKexInit | 'more' | 'bad' {
  // Lines before the identification line are allowed (RFC 4253 §4.2).
  let at = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, at);
    if (nl === -1) return 'more';
    const isIdent = bytes.subarray(at, at + 4).toString('latin1') === 'SSH-';
    at = nl + 1;
    if (isIdent) break;
  }
  if (bytes.length < at + 6) return 'more';
  const packetLength = bytes.readUInt32BE(at);
  if (packetLength > 256 * 1024) return 'bad';
  if (bytes.length < at + 4 + packetLength) return 'more';
  const paddingLength = bytes[at + 4] as number;
  const payload = bytes.subarray(at + 5, at + 4 + packetLength - paddingLength);
  if (payload[0] !== MSG_KEXINIT) return 'bad';
  let p = 17; // message byte + 16-byte cookie
  const lists: string[][] = [];
  for (let i = 0; i < 8; i++) {
    if (p + 4 > payload.length) return 'bad';
    const len = payload.readUInt32BE(p);
    p += 4;
    if (p + len > payload.length) return 'bad';
    const text = payload.subarray(p, p + len).toString('latin1');
    lists.push(text === '' ? [] : text.split(','));
    p += len;
  }
  const [kex, serverHostKey, cipherCs, cipherSc, macCs, macSc, compressCs, compressSc] = lists as [
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
  ];
  return { kex, serverHostKey, cipherCs, cipherSc, macCs, macSc, compressCs, compressSc };
}
