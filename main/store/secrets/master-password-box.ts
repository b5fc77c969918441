// Secrets sealed under a key derived from a master password (scrypt →
// AES-256-GCM, see aead.ts). The key lives only in memory while unlocked;
// the file holds the salt, the scrypt parameters and a verifier, so a wrong
// password is detected without trying it on any secret.
import {
  checkVerifier,
  deriveKey,
  makeVerifier,
  newKdfParams,
  open,
  seal,
  type KdfParams,
  STRONG_KDF,
} from './aead.js';
import type { SecretBox } from './secret-box.js';
import { storeErrors } from '../errors.js';

/**
 * What the file keeps of a master password: its scrypt parameters and a sealed verifier, never the password or the key.
 */
export interface MasterPasswordState {
  kdf: KdfParams;
  verifier: string;
}

/** Shortest master password accepted, in UTF-16 code units. */
export const MIN_MASTER_PASSWORD = 8;

/**
 * Seals secrets with AES-256-GCM under a key derived from the master password by scrypt; the key is held only while
 * unlocked.
 */
export class MasterPasswordBox implements SecretBox {
  /** Always 'masterPassword'. */
  readonly kind = 'masterPassword' as const;
  /** The KDF parameters and verifier to write to the file. */
  readonly state: MasterPasswordState;
  #key: Buffer | undefined;

  private constructor(state: MasterPasswordState, key: Buffer | undefined) {
    this.state = state;
    this.#key = key;
  }

  /** A box for an existing state, locked. */
  static locked(state: MasterPasswordState): MasterPasswordBox {
    return new MasterPasswordBox(state, undefined);
  }

  /** A new password: fresh salt, derived key, verifier. Returned unlocked. */
  static async create(
    password: string,
    strength: { logN: number; r: number; p: number } = STRONG_KDF,
  ): Promise<MasterPasswordBox> {
    if (password.length < MIN_MASTER_PASSWORD) throw storeErrors.weakPassword(MIN_MASTER_PASSWORD);
    const kdf = newKdfParams(strength);
    const key = await deriveKey(password, kdf);
    return new MasterPasswordBox({ kdf, verifier: makeVerifier(key) }, key);
  }

  /** True while unlocked (the key is in memory). */
  get ready(): boolean {
    return this.#key !== undefined;
  }

  /** Throws SECRETS_WRONG_PASSWORD and stays as it was when the password is wrong. */
  async unlock(password: string): Promise<void> {
    const key = await deriveKey(password, this.state.kdf);
    if (!checkVerifier(key, this.state.verifier)) {
      key.fill(0);
      throw storeErrors.wrongPassword();
    }
    this.#key = key;
  }

  /** Zeroes and drops the key; seal and open then throw SECRETS_LOCKED. */
  lock(): void {
    this.#key?.fill(0);
    this.#key = undefined;
  }

  /** base64(nonce ‖ ciphertext ‖ tag); `context` is bound as associated data. Throws SECRETS_LOCKED when locked. */
  seal(plaintext: string, context: string): string {
    if (this.#key === undefined) throw storeErrors.secretsLocked();
    return seal(this.#key, plaintext, context);
  }

  /**
   * The plaintext, or undefined when the value was sealed under another key or context. Throws SECRETS_LOCKED when
   * locked.
   */
  open(sealed: string, context: string): string | undefined {
    if (this.#key === undefined) throw storeErrors.secretsLocked();
    return open(this.#key, sealed, context);
  }
}
