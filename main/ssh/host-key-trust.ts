// Decides whether a server's host key is trusted, unknown, changed or revoked,
// from Hostdeck's own known_hosts file plus the person's ~/.ssh/known_hosts
// (read-only), the way OpenSSH's check_host_key() does: @revoked first, then
// a key of the same type (a different one is "changed"), and a host with no
// key of this type is "unknown" (sshconnect.c, HOST_NEW vs HOST_CHANGED).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { appendKnownHost, hostLookupName, KnownHostsFile, type KnownHostLine } from './known-hosts.js';
import { keyTypeOf, sha256Fingerprint } from './fingerprint.js';
import { hostKeyChanged, hostKeyRejected, hostKeyRevoked } from './errors.js';

/**
 * What the known_hosts files say of a host's key: the trusting line, nothing, a line with another key of the same type,
 * or a `@revoked` line.
 */
export type HostKeyVerdict =
  | { kind: 'trusted'; line: KnownHostLine }
  | { kind: 'unknown' }
  | { kind: 'changed'; old: KnownHostLine }
  | { kind: 'revoked'; line: KnownHostLine };

/** What the person is shown for an unknown key (the key type and its SHA256 fingerprint, as ssh-keygen -lf prints them). */
export interface UnknownHostKey {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

/** Asks the person; true = trust (and remember), false = cancel. */
export type AskUnknownHostKey = (key: UnknownHostKey) => Promise<boolean>;

/**
 * Where host keys are trusted from: Hostdeck's own known_hosts, which it writes, and the person's, which it only reads.
 */
export interface HostKeyTrustOptions {
  /** Hostdeck's own file (written, 0600). */
  ownFile: string;
  /** Read-only files; default the person's ~/.ssh/known_hosts. */
  userFiles?: readonly string[];
  /** Write hashed names (like HashKnownHosts yes). */
  hashNames?: boolean;
}

/**
 * Host-key checking as OpenSSH's StrictHostKeyChecking=ask does it (ssh_config(5)): a known key passes, a changed or
 * revoked one is refused, an unknown one is asked about and then saved.
 */
export class HostKeyTrust {
  readonly #ownFile: string;
  readonly #userFiles: readonly string[];
  readonly #hashNames: boolean;

  constructor(opts: HostKeyTrustOptions) {
    this.#ownFile = opts.ownFile;
    this.#userFiles = opts.userFiles ?? [join(homedir(), '.ssh', 'known_hosts')];
    this.#hashNames = opts.hashNames ?? false;
  }

  /** Looks the key up in every file; files are re-read so edits (ssh-keygen -R) count at once. */
  verdict(host: string, port: number, key: Buffer): HostKeyVerdict {
    const name = hostLookupName(host, port);
    const type = keyTypeOf(key);
    const lines = [this.#ownFile, ...this.#userFiles].flatMap((f) => KnownHostsFile.read(f).match(name));
    const revoked = lines.find((l) => l.marker === 'revoked' && l.key.equals(key));
    if (revoked) return { kind: 'revoked', line: revoked };
    const sameType = lines.filter((l) => l.marker === null && l.keyType === type);
    const trusted = sameType.find((l) => l.key.equals(key));
    if (trusted) return { kind: 'trusted', line: trusted };
    const old = sameType[0];
    if (old) return { kind: 'changed', old };
    return { kind: 'unknown' };
  }

  /**
   * Resolves when the key may be used; rejects with SSH_HOST_KEY_CHANGED,
   * SSH_HOST_KEY_REVOKED or SSH_HOST_KEY_UNKNOWN_REJECTED otherwise. There is no
   * override for changed or revoked keys (docs/SECURITY.md, "SSH" 2).
   */
  async check(host: string, port: number, key: Buffer, ask: AskUnknownHostKey): Promise<void> {
    const v = this.verdict(host, port, key);
    const keyType = keyTypeOf(key);
    const fingerprint = sha256Fingerprint(key);
    switch (v.kind) {
      case 'trusted':
        return;
      case 'revoked':
        throw hostKeyRevoked(host, port, keyType, fingerprint, v.line);
      case 'changed':
        throw hostKeyChanged(
          host,
          port,
          keyType,
          fingerprint,
          { file: v.old.file, line: v.old.line, fingerprint: sha256Fingerprint(v.old.key) },
          `ssh-keygen -R '${hostLookupName(host, port)}' -f '${v.old.file}'`,
        );
      case 'unknown': {
        const yes = await ask({ host, port, keyType, fingerprint });
        if (yes !== true) throw hostKeyRejected(host, port, fingerprint);
        appendKnownHost(this.#ownFile, hostLookupName(host, port), keyType, key, this.#hashNames);
      }
    }
  }
}
