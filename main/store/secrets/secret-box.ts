// A box seals and opens secrets; the vault decides what to seal. The context
// string (`<hostId>/<kind>`) is bound into every sealed value.

/** Which box sealed the secrets: the OS keyring or a master password. */
export type BoxKind = 'safeStorage' | 'masterPassword';

/**
 * Seals and opens secret strings; `context` ("hostdeck:<hostId>/<kind>") binds a value to its host and kind, so a
 * sealed value moved elsewhere does not open.
 */
export interface SecretBox {
  readonly kind: BoxKind;
  /** False while a master password is locked. */
  readonly ready: boolean;
  seal(plaintext: string, context: string): string;
  /** undefined when the value does not open under this box and context. */
  open(sealed: string, context: string): string | undefined;
}

/** The part of Electron's safeStorage the box uses (injected; main/app passes the real one). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron. */
  getSelectedStorageBackend?(): string;
}
