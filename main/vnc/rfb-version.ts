// The 12-byte ProtocolVersion message, "RFB xxx.yyy\n" (RFC 6143 §7.1.1).
import type { RfbVersion } from '../../shared/vnc-protocol.js';

/** Bytes in a ProtocolVersion message, "RFB 003.008\n" (RFC 6143 §7.1.1). */
export const RFB_VERSION_LENGTH = 12;

/** The decimal major and minor numbers of a ProtocolVersion message, as sent (3 and 889 for Apple Remote Desktop). */
export interface RfbVersionNumber {
  major: number;
  minor: number;
}

/** The version in a ProtocolVersion message, or undefined if it is not one. */
export function parseRfbVersion(bytes: Uint8Array): RfbVersionNumber | undefined {
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(Buffer.from(bytes).toString('latin1'));
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * The version a client should answer a server with: the highest one we speak
 * that is not above the server's (RFC 6143 §7.1.1). 3.4 to 3.6 are "other
 * version numbers [...] interpreted as 3.3" by the RFC (UltraVNC says 3.6);
 * 3.8 and later minors include the 3.8 handshake (Apple Remote Desktop says
 * 3.889); RealVNC 4.x/5.x and Intel AMT say 4.0 to 5.0 and accept 3.8.
 * Below 3.3 (the UltraVNC repeater's 0.0) nothing fits.
 */
export function clientVersionFor(server: RfbVersionNumber): RfbVersion | undefined {
  if (server.major > 3) return '3.8';
  if (server.major < 3 || server.minor < 3) return undefined;
  if (server.minor >= 8) return '3.8';
  if (server.minor === 7) return '3.7';
  return '3.3';
}

/** A client's answer must be one of the published versions exactly. */
export function publishedVersion(v: RfbVersionNumber): RfbVersion | undefined {
  if (v.major !== 3) return undefined;
  return v.minor === 3 ? '3.3' : v.minor === 7 ? '3.7' : v.minor === 8 ? '3.8' : undefined;
}

/** The 12-byte ProtocolVersion message for a published version, e.g. "RFB 003.008\n". */
export function rfbVersionBytes(v: RfbVersion): Buffer {
  return Buffer.from(`RFB 003.00${v.slice(2)}\n`, 'latin1');
}
