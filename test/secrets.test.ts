// Sealed secrets: the master-password box (scrypt → AES-256-GCM, strong
// parameters, verifier, per-secret nonce, host id bound as AAD), wrong
// passwords change nothing, change-password re-seals everything, and the
// safeStorage box refuses Linux's basic_text fallback. Electron's safeStorage
// is the one thing mocked (a reversible stand-in), as the rules allow.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddressBookStore, StoreOptions } from '../main/store/address-book-store.js';
import { FAST_KDF, StoreHarness } from './fixtures/store/harness.js';
import { deriveKey, open, seal, STRONG_KDF, newKdfParams } from '../main/store/secrets/aead.js';
import { MasterPasswordBox } from '../main/store/secrets/master-password-box.js';
import { SafeStorageBox } from '../main/store/secrets/safe-storage-box.js';
import type { SafeStorageLike } from '../main/store/secrets/secret-box.js';
import { HostdeckError } from '../shared/errors.js';

const FAST = FAST_KDF;
const harness = new StoreHarness('secrets');
afterEach(() => harness.cleanup());
const tempDir = (): string => harness.tempDir();
const openStore = (dataDir: string, extra: Partial<StoreOptions> = {}): AddressBookStore =>
  harness.open({ ...extra, dataDir });

async function codeOfAsync(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return err instanceof HostdeckError ? err.code : String(err);
  }
  return undefined;
}

const host = { name: 'a', protocol: 'ssh', address: 'a.example.com', port: 22, folder: [], tags: [], notes: '' };

/** Electron's safeStorage stand-in: XOR with a key it keeps (a real keyring's job). */
function fakeSafeStorage(backend: string, available = true): SafeStorageLike {
  const mask = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s) => mask(Buffer.from(s, 'utf8')),
    decryptString: (b) => mask(b).toString('utf8'),
    getSelectedStorageBackend: () => backend,
  };
}

describe('the master-password box', () => {
  it('uses strong scrypt parameters by default and detects a wrong password by the verifier', async () => {
    expect(STRONG_KDF).toEqual({ logN: 17, r: 8, p: 1 });
    const box = await MasterPasswordBox.create('correct horse battery');
    expect(box.state.kdf.logN).toBe(17);
    const sealed = box.seal('pw', 'hostdeck:h1/password');
    const again = MasterPasswordBox.locked(box.state);
    expect(await codeOfAsync(again.unlock('wrong horse battery'))).toBe('SECRETS_WRONG_PASSWORD');
    expect(again.ready).toBe(false);
    await again.unlock('correct horse battery');
    expect(again.open(sealed, 'hostdeck:h1/password')).toBe('pw');
  });

  it('seals each value with a fresh nonce and binds it to its host: moved or altered, it does not open', async () => {
    const key = await deriveKey('p', newKdfParams(FAST));
    const a = seal(key, 'same', 'hostdeck:h1/password');
    const b = seal(key, 'same', 'hostdeck:h1/password');
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64').subarray(0, 12)).not.toEqual(Buffer.from(b, 'base64').subarray(0, 12));
    expect(open(key, a, 'hostdeck:h2/password')).toBeUndefined();
    const flipped = Buffer.from(a, 'base64');
    flipped[14] = (flipped[14] as number) ^ 1;
    expect(open(key, flipped.toString('base64'), 'hostdeck:h1/password')).toBeUndefined();
    expect(open(key, 'AAAA', 'hostdeck:h1/password')).toBeUndefined();
  });

  it('refuses a short master password', async () => {
    expect(await codeOfAsync(MasterPasswordBox.create('short'))).toBe('SECRETS_WEAK_PASSWORD');
  });
});

describe('secrets in the store', () => {
  it('a new process starts locked; a wrong password changes nothing; the right one unlocks', async () => {
    const dir = tempDir();
    const s = openStore(dir);
    expect(s.secretsStatus()).toMatchObject({ box: null, keyringAvailable: false });
    const h = s.saveHost(host);
    expect(await codeOfAsync(() => s.setSecret(h.id, 'password', 'x'))).toBe('SECRETS_NO_MASTER_PASSWORD');
    await s.setMasterPassword('correct horse battery');
    s.setSecret(h.id, 'password', 'hunter2');
    s.close();
    const before = readFileSync(join(dir, 'hostdeck.json'));
    const t = openStore(dir);
    expect(t.secretsStatus()).toMatchObject({ box: 'masterPassword', locked: true });
    expect(t.getHost(h.id).hasSecret.password).toBe(true);
    expect(await codeOfAsync(() => t.useSecret(h.id, 'password'))).toBe('SECRETS_LOCKED');
    expect(await codeOfAsync(t.unlockSecrets('wrong horse battery'))).toBe('SECRETS_WRONG_PASSWORD');
    expect(t.secretsStatus().locked).toBe(true);
    expect(readFileSync(join(dir, 'hostdeck.json'))).toEqual(before);
    await t.unlockSecrets('correct horse battery');
    expect(t.useSecret(h.id, 'password')).toBe('hunter2');
    t.lockSecrets();
    expect(await codeOfAsync(() => t.useSecret(h.id, 'password'))).toBe('SECRETS_LOCKED');
  });

  it('change password re-seals every secret in one write; a wrong old password changes nothing', async () => {
    const dir = tempDir();
    const s = openStore(dir);
    await s.setMasterPassword('first password');
    const ids = [s.saveHost(host).id, s.saveHost({ ...host, name: 'b' }).id];
    for (const id of ids) {
      s.setSecret(id, 'password', `pw-${id}`);
      s.setSecret(id, 'passphrase', `pp-${id}`);
    }
    s.flush();
    const path = join(dir, 'hostdeck.json');
    const before = readFileSync(path);
    expect(await codeOfAsync(s.changeMasterPassword('not it at all', 'second password'))).toBe(
      'SECRETS_WRONG_PASSWORD',
    );
    expect(readFileSync(path)).toEqual(before);
    const writes = s.writes;
    await s.changeMasterPassword('first password', 'second password');
    expect(s.writes).toBe(writes + 1);
    const oldDoc = JSON.parse(before.toString()) as { secrets: { entries: Record<string, Record<string, string>> } };
    const newDoc = JSON.parse(readFileSync(path, 'utf8')) as {
      secrets: { entries: Record<string, Record<string, string>> };
    };
    for (const id of ids)
      for (const kind of ['password', 'passphrase'])
        expect(newDoc.secrets.entries[id]?.[kind]).not.toBe(oldDoc.secrets.entries[id]?.[kind]);
    s.close();
    const t = openStore(dir);
    expect(await codeOfAsync(t.unlockSecrets('first password'))).toBe('SECRETS_WRONG_PASSWORD');
    await t.unlockSecrets('second password');
    for (const id of ids) expect(t.useSecret(id, 'passphrase')).toBe(`pp-${id}`);
  });

  it('a sealed value moved to another host in the file does not open (AAD)', async () => {
    const dir = tempDir();
    const s = openStore(dir);
    await s.setMasterPassword('correct horse battery');
    const a = s.saveHost(host).id;
    const b = s.saveHost({ ...host, name: 'b' }).id;
    s.setSecret(a, 'password', 'for-a');
    s.close();
    const path = join(dir, 'hostdeck.json');
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { secrets: { entries: Record<string, unknown> } };
    doc.secrets.entries[b] = doc.secrets.entries[a];
    writeFileSync(path, JSON.stringify(doc));
    const t = openStore(dir);
    await t.unlockSecrets('correct horse battery');
    expect(t.useSecret(a, 'password')).toBe('for-a');
    expect(await codeOfAsync(() => t.useSecret(b, 'password'))).toBe('SECRETS_CORRUPT');
  });
});

describe('the safeStorage box', () => {
  it('refuses basic_text and unknown on Linux, and unavailable encryption anywhere', () => {
    expect(SafeStorageBox.unusableReason(fakeSafeStorage('basic_text'), 'linux')).toContain('basic_text');
    expect(SafeStorageBox.unusableReason(fakeSafeStorage('unknown'), 'linux')).toContain('unknown');
    expect(SafeStorageBox.unusableReason(fakeSafeStorage('gnome_libsecret', false), 'linux')).toContain(
      'not available',
    );
    expect(SafeStorageBox.unusableReason(fakeSafeStorage('gnome_libsecret'), 'linux')).toBeUndefined();
    expect(SafeStorageBox.unusableReason(fakeSafeStorage('whatever'), 'darwin')).toBeUndefined();
    expect(() => new SafeStorageBox(fakeSafeStorage('basic_text'), 'linux')).toThrow();
  });

  it('with a real keyring the store seals through it; with basic_text it asks for a master password', async () => {
    const dir = tempDir();
    const s = openStore(dir, { safeStorage: fakeSafeStorage('kwallet5'), platform: 'linux' });
    const h = s.saveHost(host);
    s.setSecret(h.id, 'password', 'through-keyring');
    expect(s.secretsStatus()).toMatchObject({ box: 'safeStorage', locked: false });
    expect(s.useSecret(h.id, 'password')).toBe('through-keyring');
    expect(readFileSync(s.path).includes(Buffer.from('through-keyring'))).toBe(false);
    expect(await codeOfAsync(s.setMasterPassword('a long master password'))).toBe('SECRETS_KEYRING_IN_USE');

    s.close();
    // The keyring is gone (say, a session without gnome-keyring): secrets stay sealed, none is mixed in under another box.
    const gone = openStore(dir, { safeStorage: fakeSafeStorage('basic_text'), platform: 'linux' });
    expect(gone.getHost(h.id).hasSecret.password).toBe(true);
    expect(await codeOfAsync(() => gone.useSecret(h.id, 'password'))).toBe('SECRETS_KEYRING_UNAVAILABLE');
    expect(await codeOfAsync(() => gone.setSecret(h.id, 'passphrase', 'x'))).toBe('SECRETS_KEYRING_UNAVAILABLE');
    expect(await codeOfAsync(gone.setMasterPassword('a long master password'))).toBe('SECRETS_KEYRING_UNAVAILABLE');

    const plain = openStore(tempDir(), { safeStorage: fakeSafeStorage('basic_text'), platform: 'linux' });
    const p = plain.saveHost(host);
    expect(plain.secretsStatus()).toMatchObject({ keyringAvailable: false });
    expect(await codeOfAsync(() => plain.setSecret(p.id, 'password', 'x'))).toBe('SECRETS_NO_MASTER_PASSWORD');
  });
});
