// Secrets sealed by the OS keyring through Electron's safeStorage. On Linux
// safeStorage silently falls back to a hard-coded key when no keyring is
// running ('basic_text'), which is obfuscation, not protection (docs/SECURITY.md
// "Address book" 1); that and 'unknown' are refused.
import type { SafeStorageLike, SecretBox } from './secret-box.js';

/**
 * Seals secrets with Electron's safeStorage (the OS keyring: Keychain, DPAPI, libsecret/kwallet); refuses Linux's
 * plaintext "basic_text" fallback.
 */
export class SafeStorageBox implements SecretBox {
  /** Always 'safeStorage'. */
  readonly kind = 'safeStorage' as const;
  /** Always true: the keyring needs no unlocking from Hostdeck. */
  readonly ready = true;
  readonly #safe: SafeStorageLike;

  /** Throws when the keyring is not a real one (see unusableReason). */
  constructor(safe: SafeStorageLike, platform: NodeJS.Platform = process.platform) {
    const why = SafeStorageBox.unusableReason(safe, platform);
    if (why !== undefined) throw new Error(why);
    this.#safe = safe;
  }

  /** undefined when usable, else why not. */
  static unusableReason(safe: SafeStorageLike, platform: NodeJS.Platform = process.platform): string | undefined {
    if (!safe.isEncryptionAvailable()) return 'encryption is not available';
    if (platform === 'linux') {
      const backend = safe.getSelectedStorageBackend?.() ?? 'unknown';
      if (backend === 'basic_text' || backend === 'unknown')
        return `the Linux secret backend is "${backend}", not a real keyring`;
    }
    return undefined;
  }

  /**
   * base64 of safeStorage's ciphertext of `{c: context, v: plaintext}`; the context is checked on open, as safeStorage
   * has no associated data.
   */
  seal(plaintext: string, context: string): string {
    // safeStorage has no associated data, so the context travels inside and is
    // checked on the way out.
    return this.#safe.encryptString(JSON.stringify({ c: context, v: plaintext })).toString('base64');
  }

  /** The plaintext, or undefined when it does not decrypt or was sealed for another context. Never throws. */
  open(sealed: string, context: string): string | undefined {
    try {
      const inner = JSON.parse(this.#safe.decryptString(Buffer.from(sealed, 'base64'))) as { c?: unknown; v?: unknown };
      return inner.c === context && typeof inner.v === 'string' ? inner.v : undefined;
    } catch {
      return undefined;
    }
  }
}
