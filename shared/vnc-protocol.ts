// What main tells the page about a VNC connection it authenticated: the
// error codes a tab can switch on and the names of the security it used.
// Shared with the renderer, so no Node imports here.

/** Stable codes of the HostdeckErrors that main/vnc throws. */
export const VncErrorCode = {
  /** The server said the password (or user name and password) was wrong. */
  AuthFailed: 'VNC_AUTH_FAILED',
  /** The server refused the connection and (usually) said why, in `details.reason`. */
  ServerRefused: 'VNC_SERVER_REFUSED',
  /** The server blocks us after repeated failures (TigerVNC's blacklist, RFB 3.3 result 2). */
  TooManyAttempts: 'VNC_TOO_MANY_ATTEMPTS',
  /** No security type main can do and none the page (noVNC) can do either. */
  UnsupportedSecurity: 'VNC_UNSUPPORTED_SECURITY',
  /** Nothing listens at the address and port (ECONNREFUSED). */
  ConnectionRefused: 'VNC_CONNECTION_REFUSED',
  /** No route to the address (EHOSTUNREACH, ENETUNREACH), or the connection attempt timed out. */
  HostUnreachable: 'VNC_HOST_UNREACHABLE',
  /** The host name does not resolve (ENOTFOUND, EAI_AGAIN). */
  HostNotFound: 'VNC_HOST_NOT_FOUND',
  /** The server closed the connection before the handshake finished. */
  ServerClosed: 'VNC_SERVER_CLOSED',
  /** The server (or the page) broke the RFB protocol: bad version, lengths, sizes. */
  ProtocolError: 'VNC_PROTOCOL_ERROR',
  /** The server's TLS certificate differs from the one trusted before. */
  CertChanged: 'VNC_CERT_CHANGED',
  /** The person (or the caller) did not trust the server's TLS certificate. */
  CertRejected: 'VNC_CERT_REJECTED',
  /** The server needs a password and none was saved or given. */
  PasswordRequired: 'VNC_PASSWORD_REQUIRED',
  /** TLS could not be set up with the server (no common cipher, bad record...). */
  TlsFailed: 'VNC_TLS_FAILED',
  /** One handshake step took longer than its time limit. */
  Timeout: 'VNC_TIMEOUT',
  /** The caller gave up (the page went away) before the handshake finished. */
  Aborted: 'VNC_ABORTED',
  /**
   * The host has "Require encryption" on, and the server offered no
   * encrypted login this process can do (`details.offered` says what it did
   * offer). Nothing was sent to the server after its offer: no password.
   */
  EncryptionUnavailable: 'VNC_ENCRYPTION_UNAVAILABLE',
  /**
   * The server's only logins main could do are VeNCrypt's anonymous-TLS
   * subtypes (TLSNone/TLSVnc/TLSPlain), and this process's TLS library has
   * no anonymous suites (BoringSSL, in Electron's main process).
   */
  AnonymousTlsUnavailable: 'VNC_ANONYMOUS_TLS_UNAVAILABLE',
} as const;

/** One of the VNC_ codes above. */
export type VncErrorCode = (typeof VncErrorCode)[keyof typeof VncErrorCode];

/**
 * How main secured the connection to the server. 'passthrough' means main
 * did not authenticate: the page (noVNC) does, so the person types the
 * password into the page.
 */
export type VncSecurity =
  | 'none'
  | 'vnc-auth'
  | 'vencrypt-tls-none'
  | 'vencrypt-tls-vnc'
  | 'vencrypt-tls-plain'
  | 'vencrypt-x509-none'
  | 'vencrypt-x509-vnc'
  | 'vencrypt-x509-plain'
  | 'passthrough';

/**
 * What protects the VNC bytes between Hostdeck and the VNC server:
 * - 'tls': VeNCrypt TLS with the VNC server itself (also inside an SSH tunnel);
 * - 'ssh': an SSH tunnel to a VNC server on the SSH host's own loopback, so
 *   encrypted all the way to the VNC server's machine;
 * - 'ssh-partial': an SSH tunnel as far as the SSH host, then plain TCP from
 *   there to the VNC server's address;
 * - 'none': plain TCP from here to the VNC server: not encrypted.
 */
export type VncWire = 'tls' | 'ssh' | 'ssh-partial' | 'none';

/** The RFB versions main speaks (RFC 6143 §7.1.1). */
export type RfbVersion = '3.3' | '3.7' | '3.8';

/**
 * A VNC server's TLS certificate as the person sees it when deciding to trust
 * it (VeNCrypt X509 subtypes). Trust is by fingerprint, like an SSH host key.
 */
export interface VncCertificateInfo {
  /**
   * SHA-256 of the DER certificate, upper-case hex pairs joined by colons,
   * the format of `openssl x509 -noout -fingerprint -sha256` (and of Node's
   * X509Certificate.fingerprint256), so a person can compare it on the server.
   */
  fingerprint: string;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** The certificate in PEM, for a "show certificate" view or storing it. */
  pem: string;
  /**
   * Whether the chain also verifies against the system's CAs. Informational:
   * VNC servers mostly use self-signed certificates, so trust is by fingerprint.
   */
  caVerified: boolean;
}

/**
 * VNC Authentication uses only the first 8 characters of a password (the DES
 * key is 8 bytes; RFC 6143 §7.2.2): anything longer is silently ignored by
 * every server, so the page says so as the person types.
 */
export const VNC_PASSWORD_SIGNIFICANT_CHARS = 8;

/**
 * True when the password has more than 8 characters (counted as code points), so the server will ignore the rest (RFC
 * 6143 §7.2.2).
 */
export function vncPasswordIsTruncated(password: string): boolean {
  return [...password].length > VNC_PASSWORD_SIGNIFICANT_CHARS;
}
