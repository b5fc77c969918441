// TLS for VeNCrypt: how main wraps the server connection, and what it shows
// the person about the server's certificate.
//
// node:tls is loaded the first time it is needed (a VeNCrypt TLS subtype, or
// the anonymous-suite probe below), not when the process starts: most VNC
// servers never ask for it. A static import would be hoisted to the top of
// the serve and desktop bundles and load at start.
import { createHash, type X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type * as Tls from 'node:tls';
import type { VncCertificateInfo } from '../../shared/vnc-protocol.js';
import { loadOnFirstUse } from '../load-commonjs.js';

/** node:tls, loaded on the first call. */
const tls = loadOnFirstUse<typeof Tls>('node:tls');

/**
 * VeNCrypt TLSNone/TLSVnc/TLSPlain use anonymous Diffie-Hellman: no
 * certificate at all (TigerVNC's GnuTLS priority "+ANON-ECDH:+ANON-DH").
 * OpenSSL 3 puts those suites at security level 0, and TLS 1.3 has no
 * anonymous suites, hence both settings. It stops eavesdroppers, not an
 * active man in the middle; the X509 subtypes are preferred when offered.
 */
const ANONYMOUS = {
  ciphers: 'aNULL:!eNULL:!EXPORT:!DES:!3DES:!RC4:!MD5:!PSK:!SRP:@SECLEVEL=0',
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.2',
} as const;

/**
 * Whether this process's TLS library can do the anonymous suites above.
 * OpenSSL (plain Node, serve mode) can; BoringSSL (Electron's main process)
 * has no anonymous suites and rejects the `@SECLEVEL` keyword, so there
 * VeNCrypt's TLSNone/TLSVnc/TLSPlain cannot be negotiated at all. Found out
 * by building a context with the very options connectVncTls() would use,
 * not from a list of runtimes; asked once per process.
 */
let anonymousTls: boolean | undefined;

/**
 * Whether this process's TLS can negotiate anonymous DH suites (true on Node's OpenSSL, false on Electron's BoringSSL);
 * probed once, cached.
 */
export function anonymousTlsAvailable(): boolean {
  if (anonymousTls === undefined) {
    try {
      tls().createSecureContext({
        ciphers: ANONYMOUS.ciphers,
        minVersion: ANONYMOUS.minVersion,
        maxVersion: ANONYMOUS.maxVersion,
      });
      anonymousTls = true;
    } catch {
      anonymousTls = false;
    }
  }
  return anonymousTls;
}

/** What the TLS library can do for VNC, for the app's status (AppInfo). */
export interface VncTlsCapabilities {
  /** VeNCrypt TLSNone/TLSVnc/TLSPlain (anonymous TLS) can be used. */
  anonymousTls: boolean;
}

/** What this process can do for VeNCrypt, for the page to explain a refusal. */
export function vncTlsCapabilities(): VncTlsCapabilities {
  return { anonymousTls: anonymousTlsAvailable() };
}

/** X509 subtypes: Node's default ciphers; the certificate is checked by fingerprint, not by a CA. */
const CERTIFICATE = { minVersion: 'TLSv1.2' } as const;

/** Starts TLS as the client over the server connection (raw TCP or an SSH channel). */
export function connectVncTls(socket: Duplex, kind: 'anon' | 'x509'): Tls.TLSSocket {
  return tls().connect({ socket, ...(kind === 'anon' ? ANONYMOUS : CERTIFICATE), rejectUnauthorized: false });
}

/**
 * What the person is shown about a server certificate: fingerprint, subject, issuer, validity dates, PEM, and whether
 * the system CAs vouch for it.
 */
export function certificateInfo(cert: X509Certificate, caVerified: boolean): VncCertificateInfo {
  return {
    fingerprint: sha256Fingerprint(cert.raw),
    subject: cert.subject,
    issuer: cert.issuer,
    validFrom: cert.validFrom,
    validTo: cert.validTo,
    pem: cert.toString(),
    caVerified,
  };
}

/**
 * SHA-256 of the DER certificate as upper-case hex pairs joined by colons (AB:CD:…), the form browsers and `openssl
 * x509 -fingerprint -sha256` show.
 */
export function sha256Fingerprint(der: Uint8Array): string {
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .replace(/(..)(?!$)/g, '$1:');
}
