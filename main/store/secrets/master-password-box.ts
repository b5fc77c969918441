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

export interface MasterPasswordState {
  kdf: KdfParams;
  verifier: string;
}

export const MIN_MASTER_PASSWORD = 8;

export class MasterPasswordBox implements SecretBox {
  readonly kind = 'masterPassword' as const;
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

  lock(): void {
    this.#key?.fill(0);
    this.#key = undefined;
  }

  seal(plaintext: string, context: string): string {
    if (this.#key === undefined) throw storeErrors.secretsLocked();
    return seal(this.#key, plaintext, context);
  }

  open(sealed: string, context: string): string | undefined {
    if (this.#key === undefined) throw storeErrors.secretsLocked();
    return open(this.#key, sealed, context);
  }
}
