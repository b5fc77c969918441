// VNC Authentication's answer to a server challenge (RFC 6143 §7.2.2).
import { desEncryptBlock } from './des.js';

/** Bytes of a VNC challenge and of the answer. */
export const VNC_CHALLENGE_LENGTH = 16;

/**
 * The key VNC Authentication derives from a password: its first 8 bytes
 * (UTF-8, as vncpasswd reads them from a terminal), zero-padded, each byte
 * bit-reversed. The reversal is the quirk RFC 6143 §7.2.2 leaves unsaid and
 * every implementation keeps: the original VNC's d3des.c numbered key bits
 * from the least significant end, so a standard DES gets mirrored bytes.
 */
export function vncAuthKey(password: string): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'utf8').copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) key[i] = reverseBits(key[i] as number);
  return key;
}

/** DES-encrypts each 8-byte half of the 16-byte challenge with the password's key. */
export function vncAuthResponse(password: string, challenge: Uint8Array): Buffer {
  if (challenge.length !== VNC_CHALLENGE_LENGTH) throw new RangeError('a VNC challenge is 16 bytes');
  const key = vncAuthKey(password);
  try {
    return Buffer.concat([
      desEncryptBlock(key, challenge.subarray(0, 8)),
      desEncryptBlock(key, challenge.subarray(8, 16)),
    ]);
  } finally {
    key.fill(0);
  }
}

function reverseBits(byte: number): number {
  let out = 0;
  for (let i = 0; i < 8; i++) out |= ((byte >> i) & 1) << (7 - i);
  return out;
}
