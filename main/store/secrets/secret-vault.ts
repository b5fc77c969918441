// The secrets section of the address book: which box seals it, and the
// sealed values keyed by host id and kind. Write-only from outside main
// (docs/ARCHITECTURE.md: secrets are write-only from the page): set, replace and
// clear are API calls; `use` is for main's session code only.
import { SECRET_KINDS, noSecrets, type SecretFlags, type SecretKind } from '../../../shared/model/host.js';
import type { SealedEntries, SecretsSection } from '../document.js';
import { storeErrors } from '../errors.js';
import { STRONG_KDF } from './aead.js';
import { MasterPasswordBox } from './master-password-box.js';
import { SafeStorageBox } from './safe-storage-box.js';
import type { BoxKind, SafeStorageLike, SecretBox } from './secret-box.js';

/** Longest secret accepted, in UTF-16 code units (SECRETS_TOO_LONG beyond). */
export const MAX_SECRET_LENGTH = 8192;

/** What the page is told about secrets: never values, only whether they can be used. */
export interface SecretsStatus {
  /** The box the saved secrets are sealed with (null: none saved yet). */
  box: BoxKind | null;
  /** True when secrets cannot be used or set until the master password is given. */
  locked: boolean;
  keyringAvailable: boolean;
  keyringProblem?: string;
}

/**
 * Electron's safeStorage (absent in serve mode), the platform for its checks, and the scrypt cost for a master
 * password.
 */
export interface VaultOptions {
  safeStorage?: SafeStorageLike;
  platform?: NodeJS.Platform;
  kdfStrength?: { logN: number; r: number; p: number };
}

/**
 * The secrets section of the book: seals, opens, and rewrites it through one box, and persists each change at once (a
 * failed write rolls it back and throws the write's error).
 */
export class SecretVault {
  #section: SecretsSection;
  #box: SecretBox | undefined;
  readonly #keyring: SafeStorageBox | undefined;
  readonly #keyringProblem: string | undefined;
  readonly #strength: { logN: number; r: number; p: number };
  /** Writes the document now; throws if the write failed. */
  readonly #persist: () => void;

  constructor(section: SecretsSection, persist: () => void, options: VaultOptions = {}) {
    this.#section = section;
    this.#persist = persist;
    this.#strength = options.kdfStrength ?? STRONG_KDF;
    const platform = options.platform ?? process.platform;
    if (options.safeStorage) {
      this.#keyringProblem = SafeStorageBox.unusableReason(options.safeStorage, platform);
      if (this.#keyringProblem === undefined) this.#keyring = new SafeStorageBox(options.safeStorage, platform);
    } else {
      this.#keyringProblem = 'no system keyring in this mode';
    }
    if (section.box === 'masterPassword' && section.master) this.#box = MasterPasswordBox.locked(section.master);
    else if (section.box === 'safeStorage') this.#box = this.#keyring;
  }

  /** The section to write to the file (sealed values only). */
  get section(): SecretsSection {
    return this.#section;
  }

  /** Box, lock state and keyring availability; never throws. */
  status(): SecretsStatus {
    const s: SecretsStatus = {
      box: this.#section.box,
      locked: this.#box === undefined ? this.#keyring === undefined : !this.#box.ready,
      keyringAvailable: this.#keyring !== undefined,
    };
    if (this.#keyringProblem !== undefined) s.keyringProblem = this.#keyringProblem;
    return s;
  }

  /** Which secrets `hostId` has saved, without opening them. */
  flags(hostId: string): SecretFlags {
    const e = this.#section.entries[hostId];
    if (e === undefined) return noSecrets();
    return {
      password: e.password !== undefined,
      passphrase: e.passphrase !== undefined,
      vncPassword: e.vncPassword !== undefined,
    };
  }

  /** First use without a keyring: choose the master password. */
  async setMasterPassword(password: string): Promise<void> {
    if (this.#section.box === 'safeStorage')
      throw this.#keyring === undefined
        ? storeErrors.keyringUnavailable(this.#keyringProblem ?? 'unknown')
        : storeErrors.keyringInUse();
    if (this.#section.box !== null) throw storeErrors.masterPasswordExists();
    const box = await MasterPasswordBox.create(password, this.#strength);
    this.#commit({ box: 'masterPassword', master: box.state, entries: {} }, box);
  }

  /**
   * Unlocks the master-password box. Rejects with SECRETS_NO_MASTER_PASSWORD when the keyring (or nothing) seals the
   * secrets, SECRETS_WRONG_PASSWORD when the password is wrong.
   */
  async unlock(password: string): Promise<void> {
    const box = this.#box;
    if (!(box instanceof MasterPasswordBox)) throw storeErrors.noMasterPassword();
    await box.unlock(password);
  }

  /** Forgets the master-password key; a no-op for the keyring. */
  lock(): void {
    if (this.#box instanceof MasterPasswordBox) this.#box.lock();
  }

  /**
   * Re-seals every secret under the new password and writes the document in
   * one atomic write. A wrong old password, or a failed write, changes nothing.
   */
  async changeMasterPassword(oldPassword: string, newPassword: string): Promise<void> {
    const current = this.#box;
    if (!(current instanceof MasterPasswordBox) || this.#section.master === undefined)
      throw storeErrors.noMasterPassword();
    const check = MasterPasswordBox.locked(this.#section.master);
    await check.unlock(oldPassword);
    const next = await MasterPasswordBox.create(newPassword, this.#strength);
    const entries = reseal(this.#section.entries, check, next);
    check.lock();
    this.#commit({ box: 'masterPassword', master: next.state, entries }, next);
    current.lock();
  }

  /**
   * Seals and saves one secret (see setMany). Throws STORE_INVALID (empty), SECRETS_TOO_LONG,
   * SECRETS_KEYRING_UNAVAILABLE, SECRETS_NO_MASTER_PASSWORD, SECRETS_LOCKED, or the write's error.
   */
  set(hostId: string, kind: SecretKind, value: string): void {
    this.setMany([[hostId, kind, value]]);
  }

  /** Several secrets sealed and written in one write (an import). */
  setMany(items: readonly (readonly [string, SecretKind, string])[]): void {
    if (items.length === 0) return;
    for (const [, kind, value] of items) {
      if (typeof value !== 'string' || value.length === 0)
        throw storeErrors.invalid([
          { field: kind, code: 'REQUIRED', message: 'A secret cannot be empty; use clear to remove it.' },
        ]);
      if (value.length > MAX_SECRET_LENGTH) throw storeErrors.secretTooLong(MAX_SECRET_LENGTH);
    }
    let box = this.#box;
    let section = this.#section;
    if (box === undefined) {
      // Sealed by a keyring that is gone: they stay sealed, and new ones are not mixed in under another box.
      if (section.box === 'safeStorage') throw storeErrors.keyringUnavailable(this.#keyringProblem ?? 'unknown');
      // Nothing saved yet: the keyring when it is real, else a master password must be set first.
      if (this.#keyring === undefined) throw storeErrors.noMasterPassword();
      box = this.#keyring;
      section = { box: 'safeStorage', entries: {} };
    }
    if (!box.ready) throw storeErrors.secretsLocked();
    const entries: SealedEntries = { ...section.entries };
    for (const [hostId, kind, value] of items)
      entries[hostId] = { ...entries[hostId], [kind]: box.seal(value, contextOf(hostId, kind)) };
    this.#commit({ ...section, entries }, box);
  }

  /**
   * Removes one kind of a host's secrets, or all of them when `kind` is omitted, and saves. Nothing happens if none is
   * saved; throws the write's error.
   */
  clear(hostId: string, kind?: SecretKind): void {
    const e = this.#section.entries[hostId];
    if (e === undefined) return;
    const entries: SealedEntries = { ...this.#section.entries };
    if (kind === undefined) delete entries[hostId];
    else {
      const rest = { ...e };
      delete rest[kind];
      if (Object.keys(rest).length === 0) delete entries[hostId];
      else entries[hostId] = rest;
    }
    this.#commit({ ...this.#section, entries }, this.#box);
  }

  /** Main only: the plaintext for a session. undefined when none is saved. */
  use(hostId: string, kind: SecretKind): string | undefined {
    const sealed = this.#section.entries[hostId]?.[kind];
    if (sealed === undefined) return undefined;
    const box = this.#box;
    if (box === undefined) throw storeErrors.keyringUnavailable(this.#keyringProblem ?? 'unknown');
    if (!box.ready) throw storeErrors.secretsLocked();
    const value = box.open(sealed, contextOf(hostId, kind));
    if (value === undefined) throw storeErrors.sealBroken(hostId);
    return value;
  }

  /** Every secret in plaintext, for a passphrase-protected export only. */
  exportAll(): Record<string, Partial<Record<SecretKind, string>>> {
    const out: Record<string, Partial<Record<SecretKind, string>>> = {};
    for (const hostId of Object.keys(this.#section.entries)) {
      for (const kind of SECRET_KINDS) {
        const v = this.use(hostId, kind);
        if (v !== undefined) (out[hostId] ??= {})[kind] = v;
      }
    }
    return out;
  }

  #commit(section: SecretsSection, box: SecretBox | undefined): void {
    const before = { section: this.#section, box: this.#box };
    this.#section = section;
    this.#box = box;
    try {
      this.#persist();
    } catch (err) {
      this.#section = before.section;
      this.#box = before.box;
      throw err;
    }
  }
}

function contextOf(hostId: string, kind: SecretKind): string {
  return `hostdeck:${hostId}/${kind}`;
}

function reseal(entries: SealedEntries, from: SecretBox, to: SecretBox): SealedEntries {
  const out: SealedEntries = {};
  for (const [hostId, kinds] of Object.entries(entries)) {
    const k: Partial<Record<SecretKind, string>> = {};
    for (const [kind, sealed] of Object.entries(kinds) as [SecretKind, string][]) {
      const ctx = contextOf(hostId, kind);
      const plain = from.open(sealed, ctx);
      if (plain === undefined) throw storeErrors.sealBroken(hostId);
      k[kind] = to.seal(plain, ctx);
    }
    out[hostId] = k;
  }
  return out;
}
