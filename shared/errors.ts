// The one catalogue of Hostdeck's error codes. Errors that cross the API are
// plain `{ code, message }`: a stable code a test (and the page) can switch
// on, and a sentence that tells the person what to do. Services throw
// HostdeckError; the API layer sends toApiError(err). No Node or DOM here:
// main and the page share it.
//
// Codes are prefixed by the domain that raises them, so a code says where to
// look: SSH_ (main/ssh/errors.ts), VNC_ (main/vnc/vnc-errors.ts, codes in
// shared/vnc-protocol.ts), STORE_ and SECRETS_ (main/store/errors.ts),
// IMPORT_ (main/store/import/import-errors.ts, main/store/errors.ts,
// main/api/import-api.ts), TUNNEL_ (main/tunnels/errors.ts), API_ (main/api, the transports, the page's API
// client), GATEWAY_ (serve mode before its gateway is up), SFTP_ (main/sftp/errors.ts), LOG_
// (main/logs/errors.ts). INTERNAL is the
// one unprefixed code: anything that was not a HostdeckError.
//
// Who writes the sentence the person reads. The rule:
// - main writes it, in English, for every code: the message is made in the
//   domain's one errors file (a table of sentences, or a factory where the
//   sentence carries specifics: a fingerprint, a file and line, the
//   algorithms a server allows, an errno). That message is what the page
//   shows by default, and what logs and tests read.
// - the page writes its own text, in its catalogs (renderer/src/i18n/en.ts
//   and zh-CN.ts, translated), only for the codes in PAGE_EXPLAINED: codes
//   where the page offers something to do (a dialog that explains a changed
//   host key, a pointer to the master password). Its text may use the error's
//   `details`, never parse the message.
// So a new code needs a sentence in its domain's errors file; it needs
// catalog entries only if the page is to explain it itself.
import type { VncErrorCode } from './vnc-protocol.js';

/** SSH connections, logins, host keys and shells (main/ssh/errors.ts, main/ssh/end-reasons.ts). */
export const SSH_ERROR_CODES = [
  'SSH_AUTH_FAILED',
  'SSH_HOST_UNREACHABLE',
  'SSH_CONNECTION_REFUSED',
  'SSH_TIMEOUT',
  'SSH_HOST_KEY_UNKNOWN_REJECTED',
  'SSH_HOST_KEY_CHANGED',
  'SSH_HOST_KEY_REVOKED',
  'SSH_DISCONNECTED',
  'SSH_KEY_PASSPHRASE_WRONG',
  'SSH_KEY_UNREADABLE',
  'SSH_CHANNEL_FAILED',
  'SSH_NO_COMMON_ALGORITHM',
  'SSH_PROTOCOL',
  /** A terminal control frame from the page that the bridge ignored (shared/terminal-protocol.ts). */
  'SSH_BAD_CONTROL',
] as const;
/** One of SSH_ERROR_CODES. */
export type SshErrorCode = (typeof SSH_ERROR_CODES)[number];

export type { VncErrorCode };

/** The address book file: reading, writing, its lock and its schema (main/store/errors.ts). */
export const STORE_ERROR_CODES = [
  'STORE_LOCKED',
  'STORE_UNREADABLE',
  'STORE_INVALID',
  'STORE_UNKNOWN_HOST',
  'STORE_HOST_IN_USE',
  'STORE_READ_ONLY',
  'STORE_CLOSED',
] as const;
/** One of STORE_ERROR_CODES. */
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

/** The secret vault: OS keyring (safeStorage) or master password (main/store/secrets/). */
export const SECRETS_ERROR_CODES = [
  'SECRETS_WRONG_PASSWORD',
  'SECRETS_LOCKED',
  'SECRETS_NO_MASTER_PASSWORD',
  'SECRETS_MASTER_PASSWORD_SET',
  'SECRETS_WEAK_PASSWORD',
  'SECRETS_KEYRING_IN_USE',
  'SECRETS_KEYRING_UNAVAILABLE',
  'SECRETS_CORRUPT',
  'SECRETS_TOO_LONG',
  /** A secret typed with "remember" could not be sealed (a store.warning, not a failed call). */
  'SECRETS_FAILED',
] as const;
/** One of SECRETS_ERROR_CODES. */
export type SecretsErrorCode = (typeof SECRETS_ERROR_CODES)[number];

/** Importing ssh_config, Remmina profiles and Hostdeck exports (main/store/import/import-errors.ts). */
export const IMPORT_ERROR_CODES = [
  'IMPORT_INVALID',
  'IMPORT_TOO_LARGE',
  'IMPORT_NOT_TEXT',
  'IMPORT_UNREADABLE',
  'IMPORT_NOTHING_FOUND',
  'IMPORT_EXPIRED',
] as const;
/** One of IMPORT_ERROR_CODES. */
export type ImportErrorCode = (typeof IMPORT_ERROR_CODES)[number];

/** Requests refused by the API layer itself: unknown method, bad arguments, wrong mode (main/api/). */
export const API_ERROR_CODES = [
  'API_BAD_REQUEST',
  'API_UNKNOWN_METHOD',
  /** Desktop: the calling frame is not the app's own top frame. */
  'API_FORBIDDEN',
  'API_PROMPT_GONE',
  'API_TOO_MANY_PROMPTS',
  'API_NOT_SSH',
  'API_CANCELLED',
  /** Made in the page's API client: serve mode opened without its token. */
  'API_NO_TOKEN',
  /** Made in the page's API client: the serve API socket closed. */
  'API_DISCONNECTED',
  /** Made in the page's API client: the serve API socket could not open. */
  'API_UNREACHABLE',
] as const;
/** One of API_ERROR_CODES. */
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Port forwards (ssh -L, -R, -D) and their SOCKS5 server (main/tunnels/errors.ts). */
export const TUNNEL_ERROR_CODES = [
  /** A local or dynamic forward's port is taken on this machine (EADDRINUSE). */
  'TUNNEL_PORT_IN_USE',
  /** Listening failed for another reason: no such local address, a privileged port. */
  'TUNNEL_BIND_FAILED',
  /** The SSH server refused to listen for a remote forward (tcpip-forward failed). */
  'TUNNEL_REMOTE_REFUSED',
  /** The SSH server refused a channel of a running forward (administratively prohibited, …). */
  'TUNNEL_CHANNEL_REFUSED',
  /** A remote forward's connection could not reach its target on this machine. */
  'TUNNEL_TARGET_UNREACHABLE',
  /** A forward has as many open channels as it may; the new connection was closed. */
  'TUNNEL_TOO_MANY_CHANNELS',
  /** No saved forward with that id on that host. */
  'TUNNEL_UNKNOWN_FORWARD',
] as const;
/** One of TUNNEL_ERROR_CODES. */
export type TunnelErrorCode = (typeof TUNNEL_ERROR_CODES)[number];

/** The file browser and transfers (main/sftp/errors.ts); status codes per SFTP v3 (draft-ietf-secsh-filexfer-02 §7). */
export const SFTP_ERROR_CODES = [
  /** The server has no SFTP subsystem, or refused the channel. */
  'SFTP_UNAVAILABLE',
  /** An sftpId the page holds is not (or no longer) open. */
  'SFTP_NO_SESSION',
  'SFTP_NOT_FOUND',
  'SFTP_PERMISSION_DENIED',
  'SFTP_EXISTS',
  /** The server answered SSH_FX_FAILURE (a folder not empty, a full disk, ...). */
  'SFTP_FAILURE',
  /** The server broke the protocol (a malformed or oversized reply, a lying size). */
  'SFTP_PROTOCOL',
  /** A listing longer than SFTP_LIMITS.listEntries, or one that never ends. */
  'SFTP_LISTING_TOO_LONG',
  /** Symlinks that point at each other. */
  'SFTP_LINK_LOOP',
  /** A remote name that cannot be used on this disk as it is (and was not renamed). */
  'SFTP_UNSAFE_NAME',
  /** The file changed size while it was read (or the server lied about it). */
  'SFTP_SIZE_CHANGED',
  /** Reading or writing the local disk failed (details.errno). */
  'SFTP_LOCAL_IO',
  /** A local handle id main did not issue (or that was forgotten). */
  'SFTP_LOCAL_HANDLE_UNKNOWN',
  /** Serve mode: main has no local files to offer; the browser transfers. */
  'SFTP_NO_LOCAL_FILES',
  'SFTP_PLAN_UNKNOWN',
  'SFTP_TRANSFER_UNKNOWN',
  'SFTP_QUESTION_UNKNOWN',
  /** The SFTP channel or its connection closed. */
  'SFTP_CLOSED',
  'SFTP_CANCELLED',
  /** Serve mode: the page that streams a transfer's bytes closed its socket or never opened it. */
  'SFTP_PAGE_GONE',
  /** Serve mode: a download into the browser cannot hold (the browser owns the file). */
  'SFTP_PAUSE_UNSUPPORTED',
] as const;
/** One of SFTP_ERROR_CODES. */
export type SftpErrorCode = (typeof SFTP_ERROR_CODES)[number];

/** Session logs (main/logs/errors.ts). */
export const LOG_ERROR_CODES = [
  /** Writing a session's log failed (disk full, folder removed, no permission); the terminal goes on. */
  'LOG_WRITE_FAILED',
  /** The logs folder could not be made or opened. */
  'LOG_FOLDER_UNUSABLE',
  /** Serve mode: only the data folder holds logs, and main opens no file manager. */
  'LOG_NO_FOLDER_CHOICE',
] as const;
/** One of LOG_ERROR_CODES. */
export type LogErrorCode = (typeof LOG_ERROR_CODES)[number];

/** Serve mode: a request that came before the gateway was listening. */
export const GATEWAY_ERROR_CODES = ['GATEWAY_STARTING'] as const;
/** One of GATEWAY_ERROR_CODES. */
export type GatewayErrorCode = (typeof GATEWAY_ERROR_CODES)[number];

/** Every code a HostdeckError (or an ApiError) can carry. */
export type ErrorCode =
  | SshErrorCode
  | VncErrorCode
  | StoreErrorCode
  | SecretsErrorCode
  | ImportErrorCode
  | ApiErrorCode
  | GatewayErrorCode
  | TunnelErrorCode
  | SftpErrorCode
  | LogErrorCode
  | 'INTERNAL';

/**
 * The codes the page explains in its own words (see the rule above), each
 * with the key of its text in the page's catalogs.
 */
export const PAGE_EXPLAINED = {
  SSH_HOST_KEY_CHANGED: 'hostKeyChanged.body',
  SECRETS_NO_MASTER_PASSWORD: 'editor.secretNeedsMaster',
  SECRETS_LOCKED: 'editor.secretNeedsMaster',
  // Tunnels: the panel and the tab notice say these in the page's language, from `details`.
  TUNNEL_PORT_IN_USE: 'tunnels.error.TUNNEL_PORT_IN_USE',
  TUNNEL_BIND_FAILED: 'tunnels.error.TUNNEL_BIND_FAILED',
  TUNNEL_REMOTE_REFUSED: 'tunnels.error.TUNNEL_REMOTE_REFUSED',
  TUNNEL_CHANNEL_REFUSED: 'tunnels.error.TUNNEL_CHANNEL_REFUSED',
  TUNNEL_TARGET_UNREACHABLE: 'tunnels.error.TUNNEL_TARGET_UNREACHABLE',
  TUNNEL_TOO_MANY_CHANNELS: 'tunnels.error.TUNNEL_TOO_MANY_CHANNELS',
  TUNNEL_UNKNOWN_FORWARD: 'tunnels.error.TUNNEL_UNKNOWN_FORWARD',
} as const satisfies Partial<Record<ErrorCode, string>>;

/** An error as it crosses the API (IPC or the serve WebSocket): a stable code, the sentence main wrote, optional facts. */
export interface ApiError<C extends ErrorCode = ErrorCode> {
  code: C;
  message: string;
  /** Optional structured facts (a field name, a fingerprint, a file and line). */
  details?: Record<string, unknown>;
}

/** An error a person can meet, typed by its code. Anything else thrown reaches the page as INTERNAL (toApiError). */
export class HostdeckError<C extends ErrorCode = ErrorCode> extends Error {
  /** Stable: tests and the page switch on it. */
  readonly code: C;
  /** Structured facts the page may render itself (field, fingerprint, file and line); never a secret. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: C, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostdeckError';
    this.code = code;
    this.details = details;
  }

  /**
   * Plain instanceof, typed: `err instanceof HostdeckError` narrows to a
   * HostdeckError whose code is an ErrorCode (a generic class alone narrows
   * to HostdeckError<any>, and a misspelt code would compile).
   */
  static override [Symbol.hasInstance](value: unknown): value is HostdeckError {
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  /** The wire form; `details` only when present. */
  toJSON(): ApiError<C> {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Anything thrown, as an ApiError; unknown errors keep no internals. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof HostdeckError) return err.toJSON();
  return {
    code: 'INTERNAL',
    message: 'Something went wrong inside Hostdeck. Try again; if it keeps happening, restart the app.',
  };
}
