// Every error main/vnc throws is made here: a stable code from
// shared/vnc-protocol.ts and a sentence that tells the person what to do.
import { HostdeckError } from '../../shared/errors.js';
import { VncErrorCode } from '../../shared/vnc-protocol.js';

/** Longest server reason we show; the server chooses it, so it is bounded and cleaned. */
const REASON_SHOWN = 200;

type Details = Record<string, unknown> | undefined;

/** `details.offered` (what the server offered), as a clause; empty when unknown. */
const offered = (d: Details): string => (typeof d?.['offered'] === 'string' ? ` (it offered: ${d['offered']})` : '');
/** `details.anonymousTls`: the anonymous-TLS subtypes that could not be used. */
const anonymous = (d: Details): string =>
  Array.isArray(d?.['anonymousTls']) ? (d['anonymousTls'] as unknown[]).join(', ') : 'TLSNone, TLSVnc, TLSPlain';
const X509_HINT =
  'enable an X509 security type on the server (TigerVNC: -SecurityTypes X509Vnc with -X509Cert and -X509Key)';

const MESSAGES: Record<VncErrorCode, string | ((d: Details) => string)> = {
  // Typed or saved, the same words: the handshake does not know which, and
  // "the saved password" was wrong when the person had just typed one.
  VNC_AUTH_FAILED:
    'The VNC server did not accept the password. Check it and try again (VNC uses only the first 8 characters of a password).',
  VNC_SERVER_REFUSED: 'The VNC server refused the connection.',
  VNC_TOO_MANY_ATTEMPTS:
    'The VNC server is blocking new logins after too many failed attempts. Wait a while, then try again with the right password.',
  VNC_UNSUPPORTED_SECURITY:
    "The VNC server asks for a kind of security Hostdeck cannot do. Change the server's security types (for example VncAuth or TLSVnc).",
  VNC_CONNECTION_REFUSED: (d) =>
    `Nothing accepts connections at ${String(d?.['target'] ?? 'that address')}. Check the port (VNC display :N listens on 5900+N) and that the VNC server is running.`,
  VNC_HOST_UNREACHABLE: (d) =>
    `${String(d?.['target'] ?? 'The VNC server')} cannot be reached from this machine. Check the address, the network and any firewall in between.`,
  VNC_HOST_NOT_FOUND: (d) =>
    `The name ${String(d?.['host'] ?? '')} does not resolve to an address. Check its spelling, or use the IP address.`,
  VNC_SERVER_CLOSED:
    'The VNC server closed the connection before it was ready. Check that the server is running and accepts this client.',
  VNC_PROTOCOL_ERROR:
    'The VNC server sent something that is not valid VNC. Check the host and port point at a VNC server.',
  VNC_CERT_CHANGED:
    "The VNC server's TLS certificate is not the one trusted before. It may be an impostor; if the server really got a new certificate, remove the old trust first.",
  VNC_CERT_REJECTED: "The VNC server's TLS certificate was not trusted, so Hostdeck did not connect.",
  VNC_PASSWORD_REQUIRED: 'This VNC server needs a password. Enter it to connect.',
  VNC_TLS_FAILED: 'Hostdeck could not set up an encrypted (TLS) connection with the VNC server.',
  VNC_TIMEOUT: 'The VNC server did not answer in time. Check the network and that the server is not overloaded.',
  VNC_ABORTED: 'The VNC connection was cancelled.',
  VNC_ENCRYPTION_UNAVAILABLE: (d) =>
    `This host requires encryption, but the VNC server offered no encrypted login Hostdeck can use here${offered(d)}` +
    (Array.isArray(d?.['anonymousTls'])
      ? `; its anonymous TLS (${anonymous(d)}) cannot be used by this app's TLS library`
      : '') +
    `, so Hostdeck did not connect and sent no password. To connect: ${X509_HINT}, or reach the server through a saved SSH host ("Through SSH host").`,
  VNC_ANONYMOUS_TLS_UNAVAILABLE: (d) =>
    `The VNC server offers only anonymous TLS (VeNCrypt ${anonymous(d)})${offered(d)}, which this app's TLS library cannot do ` +
    `(the desktop app's BoringSSL has no anonymous cipher suites). To connect: ${X509_HINT}, or also allow VncAuth on the server ` +
    '(over SSH with "Through SSH host", since VncAuth alone is not encrypted), or use Hostdeck in the browser (npm run serve).',
};

/** A HostdeckError with the code's sentence, the server's reason (if any) appended. */
export function vncError(code: VncErrorCode, details?: Record<string, unknown>, cause?: unknown): HostdeckError {
  const reason =
    typeof details?.['reason'] === 'string' && details['reason'] !== ''
      ? ` The server said: "${details['reason']}".`
      : '';
  const message = MESSAGES[code];
  return new HostdeckError(
    code,
    (typeof message === 'string' ? message : message(details)) + reason,
    details,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A server-chosen string made safe to show: decoded as UTF-8 (bad bytes
 * replaced), control and bidi-override characters removed (they can reorder
 * or hide text in the tab), whitespace collapsed, length bounded.
 */
export function sanitiseReason(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const cleaned = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...cleaned];
  return chars.length > REASON_SHOWN ? `${chars.slice(0, REASON_SHOWN).join('')}…` : cleaned;
}

/**
 * The error for a direct TCP connection to a VNC server that failed, by
 * Node's errno code; anything unknown stays a plain HostdeckError with the
 * system's message rather than becoming "something went wrong".
 */
export function vncSocketError(host: string, port: number, err: NodeJS.ErrnoException): HostdeckError {
  const details = { host, port, target: `${host}:${port}`, errno: err.code };
  switch (err.code) {
    case 'ECONNREFUSED':
      return vncError('VNC_CONNECTION_REFUSED', details, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ETIMEDOUT':
    case 'EADDRNOTAVAIL':
      return vncError('VNC_HOST_UNREACHABLE', details, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return vncError('VNC_HOST_NOT_FOUND', details, err);
    case 'ECONNRESET':
    case 'EPIPE':
      return vncError('VNC_SERVER_CLOSED', details, err);
    default:
      return vncError('VNC_HOST_UNREACHABLE', { ...details, reason: err.message }, err);
  }
}
