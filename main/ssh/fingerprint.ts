// Host key fingerprints exactly as `ssh-keygen -lf` prints them: "SHA256:"
// then unpadded base64 of the SHA-256 of the key blob (OpenSSH sshkey.c,
// sshkey_fingerprint_raw + fingerprint_b64). MD5 is never shown (OpenSSH has shown SHA256 by default since 6.8).
import { createHash } from 'node:crypto';

/**
 * The key's fingerprint as `ssh-keygen -lf` prints it: `SHA256:` and the unpadded base64 of the SHA-256 of the
 * wire-format key blob (RFC 4253 §6.6).
 */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (RFC 4253 §6.6), or ''. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return '';
  const len = keyBlob.readUInt32BE(0);
  if (len > 64 || 4 + len > keyBlob.length) return '';
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}
