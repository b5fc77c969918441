// The one sealing primitive, used by the master-password box and by
// passphrase-protected exports: scrypt (RFC 7914) turns a password into a
// 256-bit key; AES-256-GCM (NIST SP 800-38D) seals each secret with a fresh
// random 96-bit nonce (never reused under one key) and authenticates the
// context (the host id and kind) as additional data, so a sealed value cannot
// be moved to another host.
import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt parameters (RFC 7914), stored next to what they sealed: salt, N as log2, r and p. */
export interface KdfParams {
  /** base64, 16 random bytes */
  salt: string;
  /** log2 of scrypt's N */
  logN: number;
  r: number;
  p: number;
}

/** 2^17 × 8 × 128 bytes = 128 MiB per derivation: OWASP's scrypt minimum (2023) and then some. */
export const STRONG_KDF = { logN: 17, r: 8, p: 1 } as const;

/** Parameters with a fresh 16-byte random salt and the given cost (default the strong one). */
export function newKdfParams(strength: { logN: number; r: number; p: number } = STRONG_KDF): KdfParams {
  return { salt: randomBytes(16).toString('base64'), logN: strength.logN, r: strength.r, p: strength.p };
}

/**
 * True for KDF parameters read from a file that are in safe bounds (salt ≥ 16 bytes, logN 10–20, small r and p), so a
 * hostile file cannot make scrypt take gigabytes or hours.
 */
export function isKdfParams(v: unknown): v is KdfParams {
  if (typeof v !== 'object' || v === null) return false;
  const k = v as Record<string, unknown>;
  // Bounds stop a hostile file from asking for gigabytes or hours.
  return (
    typeof k['salt'] === 'string' &&
    Buffer.from(k['salt'], 'base64').length >= 16 &&
    Number.isInteger(k['logN']) &&
    (k['logN'] as number) >= 10 &&
    (k['logN'] as number) <= 20 &&
    Number.isInteger(k['r']) &&
    (k['r'] as number) >= 1 &&
    (k['r'] as number) <= 16 &&
    Number.isInteger(k['p']) &&
    (k['p'] as number) >= 1 &&
    (k['p'] as number) <= 4
  );
}

/**
 * A 32-byte AES-256 key from the password (NFC-normalised) by scrypt. Rejects with Node's scrypt error (e.g. out of
 * memory).
 */
export function deriveKey(password: string, params: KdfParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFC'),
      Buffer.from(params.salt, 'base64'),
      32,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

const NONCE = 12;
const TAG = 16;

/** base64(nonce ‖ ciphertext ‖ tag) */
export function seal(key: Buffer, plaintext: string, aad: string): string {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

/** The plaintext, or undefined when the key, the context or the bytes are wrong. */
export function open(key: Buffer, sealed: string, aad: string): string | undefined {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < NONCE + TAG) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG));
    return Buffer.concat([decipher.update(raw.subarray(NONCE, raw.length - TAG)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

const VERIFIER_TEXT = 'hostdeck master password verifier v1';
const VERIFIER_AAD = 'hostdeck:verifier';

/** A sealed constant: opening it proves the key without touching any secret. */
export function makeVerifier(key: Buffer): string {
  return seal(key, VERIFIER_TEXT, VERIFIER_AAD);
}

/** True when `key` opens the verifier; the comparison is constant-time. */
export function checkVerifier(key: Buffer, verifier: string): boolean {
  const text = open(key, verifier, VERIFIER_AAD);
  return (
    text !== undefined &&
    text.length === VERIFIER_TEXT.length &&
    timingSafeEqual(Buffer.from(text), Buffer.from(VERIFIER_TEXT))
  );
}
