// Every error the SSH engine raises, made here with a stable code (the tab
// switches on it) and a sentence that tells the person what happened and what
// to do (docs/CONTRIBUTING.md, "Conventions", errors). Other modules never build messages.
import { HostdeckError } from '../../shared/errors.js';

// The codes are listed in shared/errors.ts (SshErrorCode), with every other domain's.
export type { SshErrorCode } from '../../shared/errors.js';

function where(host: string, port: number): string {
  return port === 22 ? host : `${host} port ${port}`;
}

/**
 * SSH_AUTH_FAILED: the server refused every method tried (RFC 4252 §5.1 failure with no method left); `methodsTried`
 * uses RFC 4252 names.
 */
export function authFailed(user: string, host: string, port: number, methodsTried: readonly string[]): HostdeckError {
  const tried = methodsTried.length > 0 ? methodsTried.join(', ') : 'none';
  return new HostdeckError(
    'SSH_AUTH_FAILED',
    `${where(host, port)} did not accept the login for "${user}" (tried: ${tried}). Check the user name, password or key for this host.`,
    { user, host, port, methodsTried: [...methodsTried] },
  );
}

/** SSH_HOST_UNREACHABLE: DNS failed or the network has no route (ENOTFOUND, EHOSTUNREACH, ENETUNREACH). */
export function hostUnreachable(host: string, port: number, cause: unknown): HostdeckError {
  return new HostdeckError(
    'SSH_HOST_UNREACHABLE',
    `Could not reach ${where(host, port)}. Check the address and your network connection.`,
    { host, port },
    { cause },
  );
}

/** SSH_CONNECTION_REFUSED: nothing listens on host:port (ECONNREFUSED, or a jump host's connect failed that way). */
export function connectionRefused(host: string, port: number, cause: unknown): HostdeckError {
  return new HostdeckError(
    'SSH_CONNECTION_REFUSED',
    `${where(host, port)} refused the connection: no SSH server is listening there. Check the port and that the SSH service is running.`,
    { host, port },
    { cause },
  );
}

/** SSH_TIMEOUT after `ms` milliseconds with no finished login; the message rounds to seconds. */
export function timeout(host: string, port: number, ms: number): HostdeckError {
  return new HostdeckError(
    'SSH_TIMEOUT',
    `${where(host, port)} did not answer within ${Math.round(ms / 1000)} seconds. The host may be down or a firewall may be dropping the connection.`,
    { host, port, ms },
  );
}

/** SSH_HOST_KEY_UNKNOWN_REJECTED: the key was in no known_hosts file and the person said no (or did not answer). */
export function hostKeyRejected(host: string, port: number, fingerprint: string): HostdeckError {
  return new HostdeckError(
    'SSH_HOST_KEY_UNKNOWN_REJECTED',
    `You did not trust the key of ${where(host, port)} (${fingerprint}), so Hostdeck did not log in.`,
    { host, port, fingerprint },
  );
}

/**
 * Where the previously trusted key is written: a known_hosts file, its 1-based line, and that key's SHA256 fingerprint.
 */
export interface OldKeyPlace {
  file: string;
  line: number;
  fingerprint: string;
}

/**
 * SSH_HOST_KEY_CHANGED: a known_hosts line names this host with a different key of the same type, the case where
 * OpenSSH prints "REMOTE HOST IDENTIFICATION HAS CHANGED". `removeCommand` is the `ssh-keygen -R` line the message
 * suggests.
 */
export function hostKeyChanged(
  host: string,
  port: number,
  keyType: string,
  fingerprint: string,
  old: OldKeyPlace,
  removeCommand: string,
): HostdeckError {
  return new HostdeckError(
    'SSH_HOST_KEY_CHANGED',
    `The ${keyType} key of ${where(host, port)} has CHANGED since you last connected: it was ${old.fingerprint} (${old.file} line ${old.line}) and is now ${fingerprint}. ` +
      `Someone may be impersonating the host, or it was reinstalled. Hostdeck did not log in. ` +
      `If you know the change is legitimate, remove the old key with: ${removeCommand}`,
    {
      host,
      port,
      keyType,
      fingerprint,
      oldFingerprint: old.fingerprint,
      file: old.file,
      line: old.line,
      removeCommand,
    },
  );
}

/**
 * SSH_HOST_KEY_REVOKED: the key matches a `@revoked` line (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT); like OpenSSH, never
 * overridable.
 */
export function hostKeyRevoked(
  host: string,
  port: number,
  keyType: string,
  fingerprint: string,
  place: { file: string; line: number },
): HostdeckError {
  return new HostdeckError(
    'SSH_HOST_KEY_REVOKED',
    `The ${keyType} key of ${where(host, port)} (${fingerprint}) is marked @revoked in ${place.file} line ${place.line}. Hostdeck will not log in to a host with a revoked key; ask the host's administrator for its new key.`,
    { host, port, keyType, fingerprint, file: place.file, line: place.line },
  );
}

/**
 * SSH_DISCONNECTED: an open connection's link died (socket error, keepalives unanswered) or a channel was asked of a
 * connection that is not open.
 */
export function disconnected(host: string, port: number, cause?: unknown): HostdeckError {
  return new HostdeckError(
    'SSH_DISCONNECTED',
    `The connection to ${where(host, port)} was lost. Reconnect when the host is reachable again.`,
    { host, port },
    { cause },
  );
}

/** SSH_KEY_PASSPHRASE_WRONG: the key file at `path` did not decrypt with the passphrase given. */
export function keyPassphraseWrong(path: string): HostdeckError {
  return new HostdeckError('SSH_KEY_PASSPHRASE_WRONG', `The passphrase for the key ${path} is wrong. Type it again.`, {
    path,
  });
}

/**
 * SSH_KEY_UNREADABLE: the key file at `path` is missing, unreadable or not a key format ssh2 parses; `why` ends the
 * sentence.
 */
export function keyUnreadable(path: string, why: string): HostdeckError {
  return new HostdeckError('SSH_KEY_UNREADABLE', `Hostdeck could not use the key ${path}: ${why}.`, { path });
}

/**
 * SSH_CHANNEL_FAILED: the server refused a channel open (RFC 4254 §5.1); `what` names it for the sentence ("shell",
 * "tunnel").
 */
export function channelFailed(what: string, host: string, port: number, cause?: unknown): HostdeckError {
  return new HostdeckError(
    'SSH_CHANNEL_FAILED',
    `${where(host, port)} refused to open a ${what}. The server may not allow it.`,
    { host, port, what },
    { cause },
  );
}

/** What a failed algorithm negotiation (RFC 4253 §7.1) had on each side, for the sentence noCommonAlgorithm writes. */
export interface NoCommonAlgorithm {
  /** What kind of algorithm: 'cipher', 'MAC', 'key exchange', 'host key', 'compression'. */
  kind: string;
  /** The sshd_config keyword that lists them (Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms). */
  configKeyword: string;
  /** What the server allows, in its order; undefined when its KEXINIT could not be read. */
  serverOffers: readonly string[] | undefined;
  /** What Hostdeck offered in this runtime. */
  weOffer: readonly string[];
  /** Of the server's, those Hostdeck would use but this runtime's crypto library cannot do. */
  unusableHere: readonly string[];
  /** Of the server's, those Hostdeck never offers because they are weak. */
  refused: readonly string[];
}

/**
 * SSH_NO_COMMON_ALGORITHM: the server and Hostdeck share no algorithm of one kind; the sentence says which sshd_config
 * keyword to change and why what the server allows is refused here.
 */
export function noCommonAlgorithm(host: string, port: number, n: NoCommonAlgorithm, cause: unknown): HostdeckError {
  const plural =
    n.kind === 'key exchange'
      ? 'key exchange methods'
      : n.kind === 'host key'
        ? 'host key types'
        : n.kind === 'compression'
          ? 'compression methods'
          : `${n.kind}s`;
  const parts: string[] = [];
  if (n.serverOffers === undefined) {
    parts.push(`${where(host, port)} and Hostdeck have no ${n.kind} in common.`);
  } else {
    parts.push(`${where(host, port)} allows only these ${plural}: ${n.serverOffers.join(', ') || 'none'}.`);
  }
  if (n.unusableHere.length > 0) {
    const why = n.unusableHere.some((a) => /chacha20/.test(a))
      ? ' (the desktop app runs on BoringSSL, which has no ChaCha20)'
      : '';
    parts.push(
      `This runtime's crypto library cannot do ${n.unusableHere.join(', ')}${why}, so Hostdeck cannot use ${n.unusableHere.length > 1 ? 'them' : 'it'} here.`,
    );
  }
  if (n.refused.length > 0) {
    parts.push(`Hostdeck never uses ${n.refused.join(', ')}: ${n.refused.length > 1 ? 'they are' : 'it is'} too weak.`);
  }
  parts.push(
    `Ask the server's administrator to also allow one of ${n.weOffer.join(', ')} (the ${n.configKeyword} line in sshd_config).`,
  );
  return new HostdeckError(
    'SSH_NO_COMMON_ALGORITHM',
    parts.join(' '),
    {
      host,
      port,
      kind: n.kind,
      configKeyword: n.configKeyword,
      serverOffers: n.serverOffers === undefined ? null : [...n.serverOffers],
      weOffer: [...n.weOffer],
      unusableHere: [...n.unusableHere],
      refused: [...n.refused],
    },
    { cause },
  );
}

/**
 * SSH_PROTOCOL: anything else ssh2 reported during the handshake or later (a malformed packet, a MAC failure); the
 * cause's message is appended.
 */
export function protocolError(host: string, port: number, cause: unknown): HostdeckError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new HostdeckError(
    'SSH_PROTOCOL',
    `The SSH conversation with ${where(host, port)} failed: ${msg}.`,
    { host, port },
    { cause },
  );
}

/** Maps a socket-level error from ssh2 to one of ours. */
export function fromSocketError(host: string, port: number, err: NodeJS.ErrnoException): HostdeckError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return connectionRefused(host, port, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return hostUnreachable(host, port, err);
    case 'ETIMEDOUT':
      return timeout(host, port, 0);
    default:
      return disconnected(host, port, err);
  }
}
