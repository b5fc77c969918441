// The address book: hosts, folders and sealed secrets in one JSON document
// (docs/SECURITY.md, "Address book and secrets"). It never loses the person's file: a bad file is moved aside and
// reported, a failed migration puts the old file back, writes are atomic and
// debounced, and one process writes at a time.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { folderKey, type Folder, type SavedHost, type SecretKind } from '../../shared/model/host.js';
import { HostSearchIndex, type SearchHit } from '../../shared/model/search.js';
import {
  checkFolder,
  checkHost,
  effectiveJumpChain,
  inheritedDefault,
  validateBook,
  type BookView,
} from '../../shared/model/validate.js';
import {
  CURRENT_VERSION,
  checkDocument,
  emptyDocument,
  migrate,
  MIGRATIONS,
  type Migration,
  type StoreDocument,
  type StoredHost,
} from './document.js';
import { confEngine, type EngineFactory, type StoreEngine } from './engine.js';
import { storeErrors } from './errors.js';
import { StoreLock } from './store-lock.js';
import { planImport, type ImportDraft, type ImportPreview, type Skipped } from './import/import-plan.js';
import { buildExport, type SecretMap } from './import/hostdeck-json.js';
import { SecretVault, type SecretsStatus, type VaultOptions } from './secrets/secret-vault.js';

/**
 * Something the store noticed while loading or saving that the person should see but that did not stop it (a file moved
 * aside, a save that failed). `code` is STORE_-prefixed, `path` the file concerned.
 */
export interface StoreWarning {
  code: string;
  message: string;
  path: string;
}

/**
 * Where the book lives (`<dataDir>/<name>.json`, default name `hostdeck`) and how it is written; the vault options pick
 * the keyring or master password box.
 */
export interface StoreOptions extends VaultOptions {
  dataDir: string;
  /** File name without `.json`. */
  name?: string;
  engine?: EngineFactory;
  /** Serve mode: take the lock file. The desktop app relies on Electron's single-instance lock. */
  lock?: boolean;
  /** Debounce for host edits (ms). */
  saveDelayMs?: number;
  now?: () => Date;
  /** Tests inject failing migrations; everyone else gets MIGRATIONS. */
  migrations?: Readonly<Record<number, Migration>>;
}

/** A hostile file cannot make us read gigabytes: 10,000 hosts is about 4 MB. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The address book: hosts, folders and their sealed secrets in one 0600 JSON file. Every write is validated first; host
 * edits are debounced (saveDelayMs, default 250 ms) and flush() writes at once.
 */
export class AddressBookStore {
  /** The JSON file: `<dataDir>/<name>.json`. */
  readonly path: string;
  /**
   * What load and background saves reported, oldest first; the page shows them. Save failures in a row are listed once.
   */
  readonly warnings: StoreWarning[] = [];
  #readOnly: boolean;
  readonly #options: StoreOptions;
  readonly #hosts = new Map<string, StoredHost>();
  readonly #folders = new Map<string, Folder>();
  readonly #vault: SecretVault;
  readonly #lock: StoreLock | undefined;
  #engine: StoreEngine | undefined;
  #timer: NodeJS.Timeout | undefined;
  #dirty = false;
  #closed = false;
  #index: HostSearchIndex | undefined;
  #writes = 0;

  private constructor(options: StoreOptions, lock: StoreLock | undefined, loaded: Loaded) {
    this.#options = options;
    this.#lock = lock;
    this.path = loaded.path;
    this.#readOnly = loaded.readOnly;
    this.warnings.push(...loaded.warnings);
    for (const h of loaded.doc.hosts) this.#hosts.set(h.id, h);
    for (const f of loaded.doc.folders) this.#folders.set(folderKey(f.path), f);
    this.#vault = new SecretVault(loaded.doc.secrets, () => this.flush(true), options);
  }

  /** Opens (or creates) the book in `dataDir`. Never throws for a bad file: see `warnings`. */
  static open(options: StoreOptions): AddressBookStore {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(options.dataDir, 0o700);
    const name = options.name ?? 'hostdeck';
    const lock = options.lock ? StoreLock.acquire(join(options.dataDir, `${name}.lock`)) : undefined;
    try {
      removeStaleTempFiles(options.dataDir, name);
      const loaded = load(join(options.dataDir, `${name}.json`), options);
      const store = new AddressBookStore(options, lock, loaded);
      if (loaded.migrated) store.#commitMigration(loaded);
      return store;
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  /** Whole-file writes so far (tests count them to check the debounce). */
  get writes(): number {
    return this.#writes;
  }

  /** True after a failed migration: the old file is kept as it is and nothing is written. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  // ---- hosts -------------------------------------------------------------

  /** Every host, without secrets (only `hasSecret` flags). Safe to send to the renderer. */
  listHosts(): SavedHost[] {
    return [...this.#hosts.values()].map((h) => this.#public(h));
  }

  /** Throws STORE_UNKNOWN_HOST. */
  getHost(id: string): SavedHost {
    const h = this.#hosts.get(id);
    if (h === undefined) throw storeErrors.unknownHost(id);
    return this.#public(h);
  }

  /** Every folder, as copies: changing one does not change the book. */
  listFolders(): Folder[] {
    return [...this.#folders.values()].map((f) => structuredClone(f));
  }

  /** The username and jump chain a connection uses, folder defaults applied. Throws STORE_UNKNOWN_HOST. */
  resolve(id: string): { username: string | undefined; jumpChain: string[] } {
    const h = this.#hosts.get(id);
    if (h === undefined) throw storeErrors.unknownHost(id);
    const username = h.username ?? inheritedDefault(h.folder, this.#folders, 'username');
    return { username, jumpChain: [...effectiveJumpChain(h, this.#folders, id)] };
  }

  /**
   * Creates (no id) or updates (existing id) a host after validating it.
   * Throws STORE_INVALID, STORE_UNKNOWN_HOST, STORE_HOST_IN_USE, and
   * STORE_READ_ONLY or STORE_CLOSED when the book cannot be written.
   */
  saveHost(input: unknown): SavedHost {
    this.#writable();
    const existingId = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
    if (existingId !== undefined && (typeof existingId !== 'string' || !this.#hosts.has(existingId)))
      throw storeErrors.unknownHost(String(existingId));
    if (existingId === undefined && this.#hosts.size >= 20_000)
      throw storeErrors.invalid([
        { field: 'hosts', code: 'TOO_MANY', message: 'The address book holds at most 20000 hosts.' },
      ]);
    const id = (existingId as string | undefined) ?? newId();
    const r = checkHost({ ...(input as object), id }, this.#view());
    if (!r.ok) throw storeErrors.invalid(r.errors);
    const now = this.#now();
    const before = this.#hosts.get(id);
    if (before?.protocol === 'ssh' && r.host.protocol !== 'ssh') {
      const users = this.#usersOf(id);
      if (users.length > 0) throw storeErrors.hostInUse(id, users);
    }
    const host: StoredHost = { ...r.host, id, createdAt: before?.createdAt ?? now, updatedAt: now };
    if (before?.lastConnectedAt !== undefined) host.lastConnectedAt = before.lastConnectedAt;
    this.#hosts.set(id, host);
    this.#changed();
    return this.#public(host);
  }

  /** Throws STORE_UNKNOWN_HOST, STORE_HOST_IN_USE, and STORE_READ_ONLY or STORE_CLOSED when the book cannot be written. */
  removeHost(id: string): void {
    this.#writable();
    if (!this.#hosts.has(id)) throw storeErrors.unknownHost(id);
    const users = this.#usersOf(id);
    if (users.length > 0) throw storeErrors.hostInUse(id, users);
    this.#hosts.delete(id);
    this.#changed();
    this.#vault.clear(id);
  }

  /** Throws STORE_UNKNOWN_HOST, and STORE_READ_ONLY or STORE_CLOSED when the book cannot be written. */
  markConnected(id: string): void {
    this.#writable();
    const h = this.#hosts.get(id);
    if (h === undefined) throw storeErrors.unknownHost(id);
    this.#hosts.set(id, { ...h, lastConnectedAt: this.#now() });
    this.#changed();
  }

  /** Throws STORE_INVALID, and STORE_READ_ONLY or STORE_CLOSED when the book cannot be written. */
  saveFolder(input: unknown): Folder {
    this.#writable();
    const r = checkFolder(input, this.#view());
    if (!r.ok) throw storeErrors.invalid(r.errors);
    const key = folderKey(r.folder.path);
    const before = this.#folders.get(key);
    this.#folders.set(key, r.folder);
    // A new default jump host can close a cycle through the hosts that inherit it.
    const view = this.#view();
    for (const h of this.#hosts.values()) {
      if (folderKey(h.folder) === key || folderKey(h.folder).startsWith(`${key}/`)) {
        const c = checkHost(h, view);
        if (!c.ok) {
          if (before) this.#folders.set(key, before);
          else this.#folders.delete(key);
          throw storeErrors.invalid(c.errors);
        }
      }
    }
    this.#changed();
    return structuredClone(r.folder);
  }

  /**
   * Forgets a folder's defaults; its hosts keep their folder path. Nothing happens if there is no such folder. Throws
   * STORE_READ_ONLY or STORE_CLOSED.
   */
  removeFolder(path: readonly string[]): void {
    this.#writable();
    if (this.#folders.delete(folderKey(path))) this.#changed();
  }

  /**
   * Typo-forgiving search (shared/model/search.ts), best first, at most `limit` (default 200). The index is rebuilt
   * only after a change.
   */
  search(query: string, limit?: number): SearchHit[] {
    this.#index ??= new HostSearchIndex(this.listHosts());
    return this.#index.search(query, limit);
  }

  // ---- import and export --------------------------------------------------

  /** What an import would add, update, leave alone or skip (and why). Changes nothing. */
  previewImport(
    source: { drafts: readonly ImportDraft[]; skipped: readonly Skipped[] },
    folders: readonly Folder[] = [],
  ): ImportPreview {
    return planImport(source.drafts, source.skipped, this.listHosts(), folders, this.listFolders());
  }

  /**
   * Applies a preview in one step: the whole resulting book is validated
   * again (it may have changed since the preview) and nothing is applied if
   * it fails. `secrets` (from a passphrase export) are keyed by the draft ref.
   */
  applyImport(preview: ImportPreview, secrets?: SecretMap): { added: number; updated: number } {
    this.#writable();
    if (secrets !== undefined && Object.keys(secrets).length > 0 && this.#vault.status().locked) {
      throw this.#vault.status().box === 'masterPassword'
        ? storeErrors.secretsLocked()
        : storeErrors.noMasterPassword();
    }
    const hosts = new Map(this.#hosts);
    const folders = new Map(this.#folders);
    for (const f of preview.folders) folders.set(folderKey(f.path), f);
    const now = this.#now();
    for (const p of [...preview.add, ...preview.update]) {
      const before = hosts.get(p.id);
      const h: StoredHost = { ...p.host, createdAt: before?.createdAt ?? now, updatedAt: now };
      if (before?.lastConnectedAt !== undefined) h.lastConnectedAt = before.lastConnectedAt;
      hosts.set(p.id, h);
    }
    const check = validateBook({ hosts: [...hosts.values()], folders: [...folders.values()] });
    if (!check.ok) throw storeErrors.invalid(check.errors);
    this.#hosts.clear();
    for (const [k, v] of hosts) this.#hosts.set(k, v);
    this.#folders.clear();
    for (const [k, v] of folders) this.#folders.set(k, v);
    this.#changed();
    if (secrets !== undefined) {
      const items: [string, SecretKind, string][] = [];
      for (const p of [...preview.add, ...preview.update, ...preview.unchanged]) {
        for (const [kind, value] of Object.entries(secrets[p.ref] ?? {}) as [SecretKind, string][])
          items.push([p.id, kind, value]);
      }
      this.#vault.setMany(items);
    }
    return { added: preview.add.length, updated: preview.update.length };
  }

  /** Hostdeck JSON without secrets; with them (sealed) only when a passphrase is given. */
  exportJson(options: { passphrase?: string } = {}): Promise<string> {
    const hosts = [...this.#hosts.values()].map((h) => structuredClone(h));
    const secrets =
      options.passphrase === undefined
        ? undefined
        : { passphrase: options.passphrase, values: this.#vault.exportAll(), strength: this.#options.kdfStrength };
    return buildExport(hosts, this.listFolders(), secrets);
  }

  // ---- secrets -----------------------------------------------------------

  /** Which box seals the secrets, whether it is locked, and whether the OS keyring is usable (and if not, why). */
  secretsStatus(): SecretsStatus {
    return this.#vault.status();
  }

  /** Throws STORE_UNKNOWN_HOST, the vault's SECRETS_ codes (locked, no master password, too long…), and STORE_READ_ONLY or STORE_CLOSED when the book cannot be written. */
  setSecret(hostId: string, kind: SecretKind, value: string): void {
    this.#writable();
    if (!this.#hosts.has(hostId)) throw storeErrors.unknownHost(hostId);
    this.#vault.set(hostId, kind, value);
    this.#index = undefined;
  }

  /** Same as setSecret: the API's "replace". */
  replaceSecret(hostId: string, kind: SecretKind, value: string): void {
    this.setSecret(hostId, kind, value);
  }

  /**
   * Removes one saved secret of a host (doing nothing if none is saved). Throws STORE_READ_ONLY or STORE_CLOSED,
   * STORE_UNKNOWN_HOST, or the write's error.
   */
  clearSecret(hostId: string, kind: SecretKind): void {
    this.#writable();
    if (!this.#hosts.has(hostId)) throw storeErrors.unknownHost(hostId);
    this.#vault.clear(hostId, kind);
    this.#index = undefined;
  }

  /** Main only (session code): never exposed through the API. Throws STORE_UNKNOWN_HOST, SECRETS_LOCKED, SECRETS_CORRUPT, SECRETS_KEYRING_UNAVAILABLE. */
  useSecret(hostId: string, kind: SecretKind): string | undefined {
    if (!this.#hosts.has(hostId)) throw storeErrors.unknownHost(hostId);
    return this.#vault.use(hostId, kind);
  }

  /** Throws SECRETS_MASTER_PASSWORD_SET, SECRETS_WEAK_PASSWORD, SECRETS_KEYRING_IN_USE, SECRETS_KEYRING_UNAVAILABLE, and STORE_READ_ONLY or STORE_CLOSED when the book cannot be written. */
  async setMasterPassword(password: string): Promise<void> {
    this.#writable();
    await this.#vault.setMasterPassword(password);
  }

  /** Rejects with SECRETS_WRONG_PASSWORD or SECRETS_NO_MASTER_PASSWORD. */
  unlockSecrets(password: string): Promise<void> {
    return this.#vault.unlock(password);
  }

  /**
   * Forgets the master-password key in memory (zeroed); saved secrets need unlockSecrets again. No-op with the keyring.
   */
  lockSecrets(): void {
    this.#vault.lock();
  }

  /** Throws SECRETS_WRONG_PASSWORD, SECRETS_WEAK_PASSWORD, SECRETS_NO_MASTER_PASSWORD, and STORE_READ_ONLY or STORE_CLOSED when the book cannot be written. */
  async changeMasterPassword(oldPassword: string, newPassword: string): Promise<void> {
    this.#writable();
    await this.#vault.changeMasterPassword(oldPassword, newPassword);
  }

  // ---- persistence -------------------------------------------------------

  /**
   * Writes pending changes now (call on quit). `force` writes even when
   * nothing host-side changed (the vault's changes).
   */
  flush(force = false): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (!this.#dirty && !force) return;
    if (this.readOnly) throw storeErrors.readOnly();
    const doc = this.#document();
    // Never write a file that the next start would refuse and move aside:
    // the whole book is checked before each (debounced) write, ~25 ms at 10,000 hosts.
    const check = checkDocument(doc);
    if (!check.ok) throw storeErrors.invalid(check.errors);
    this.#engine ??= (this.#options.engine ?? confEngine)({
      cwd: this.#options.dataDir,
      configName: this.#options.name ?? 'hostdeck',
    });
    writeAtomically(this.#engine, doc as unknown as Record<string, unknown>);
    this.#writes++;
    this.#dirty = false;
  }

  /** Flushes, releases the lock. Further calls throw STORE_CLOSED. */
  close(): void {
    if (this.#closed) return;
    try {
      if (!this.readOnly) this.flush();
    } finally {
      this.#closed = true;
      this.#vault.lock();
      this.#lock?.release();
    }
  }

  #document(): StoreDocument {
    return {
      version: CURRENT_VERSION,
      hosts: [...this.#hosts.values()],
      folders: [...this.#folders.values()],
      secrets: this.#vault.section,
    };
  }

  /** Writes the migrated book; if that fails, the old file goes back and the book is read-only. */
  #commitMigration(loaded: Loaded): void {
    try {
      this.flush(true);
    } catch (err) {
      if (loaded.backup !== undefined) copyFileSync(loaded.backup, this.path);
      this.#readOnly = true;
      this.#hosts.clear();
      this.#folders.clear();
      this.warnings.push({
        code: 'STORE_MIGRATION_FAILED',
        path: this.path,
        message: `Hostdeck could not write the upgraded address book (${err instanceof Error ? err.message : String(err)}). Your file was put back unchanged at ${this.path}; Hostdeck opened read-only. Free some disk space or fix the folder's permissions and restart.`,
      });
    }
  }

  #changed(): void {
    this.#index = undefined;
    this.#dirty = true;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        // A timer has no caller to throw to: report, stay dirty, retry on the next edit or flush().
        try {
          this.flush();
        } catch (err) {
          this.#reportSaveError(err);
        }
      }, this.#options.saveDelayMs ?? 250);
    }
  }

  /** Hosts and folders that go through `id` (by name, for the message). */
  #usersOf(id: string): string[] {
    const users = [...this.#hosts.values()]
      .filter((h) => h.jumpChain?.includes(id) || h.vnc?.viaSshHostId === id)
      .map((h) => h.name);
    for (const f of this.#folders.values()) if (f.defaults.jumpHostId === id) users.push(`folder ${folderKey(f.path)}`);
    return users;
  }

  #reportSaveError(err: unknown): void {
    const message = `Hostdeck could not save the address book (${err instanceof Error ? err.message : String(err)}). Your changes are kept in memory and saved again with the next change; check free disk space and the permissions of ${this.#options.dataDir}.`;
    const last = this.warnings[this.warnings.length - 1];
    if (last?.code !== 'STORE_SAVE_FAILED') this.warnings.push({ code: 'STORE_SAVE_FAILED', message, path: this.path });
  }

  #writable(): void {
    if (this.#closed) throw storeErrors.closed();
    if (this.readOnly) throw storeErrors.readOnly();
  }

  /** The live maps: no copy per write, so a save stays O(chain) on a 10,000-host book. */
  #view(): BookView {
    return { hosts: this.#hosts, folders: this.#folders };
  }

  /** A copy the caller may change; by hand because structuredClone is ~10× slower at 10,000 hosts. */
  #public(h: StoredHost): SavedHost {
    const out: SavedHost = { ...h, folder: [...h.folder], tags: [...h.tags], hasSecret: this.#vault.flags(h.id) };
    if (h.jumpChain !== undefined) out.jumpChain = [...h.jumpChain];
    if (h.auth !== undefined) out.auth = { ...h.auth };
    if (h.vnc !== undefined) out.vnc = { ...h.vnc };
    if (h.forwards !== undefined) out.forwards = h.forwards.map((f) => ({ ...f }));
    return out;
  }

  #now(): string {
    return (this.#options.now?.() ?? new Date()).toISOString();
  }
}

interface Loaded {
  path: string;
  doc: StoreDocument;
  warnings: StoreWarning[];
  readOnly: boolean;
  migrated: boolean;
  backup?: string;
}

function newId(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * conf writes in place, not atomically, whenever SNAP is set (its workaround
 * for apps packaged as snaps, sindresorhus/conf#82). Hostdeck is not a snap,
 * but a SNAP variable is inherited when it is started from a snap-packaged
 * terminal or editor, and an in-place write killed midway leaves a truncated
 * file (store-crash.test.ts runs its children with SNAP set to prove this).
 * The write is synchronous, so nothing else sees the variable missing.
 */
function writeAtomically(engine: StoreEngine, doc: Record<string, unknown>): void {
  const snap = process.env['SNAP'];
  if (snap !== undefined) delete process.env['SNAP'];
  try {
    engine.store = doc;
  } finally {
    if (snap !== undefined) process.env['SNAP'] = snap;
  }
}

/**
 * Temporary files of an atomic write that was killed before its rename
 * (`atomically` names them <file>.tmp-<10 digits><6 hex>). Only ours, and
 * only while we are the one writer.
 */
function removeStaleTempFiles(dir: string, name: string): void {
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.json\\.tmp-\\d{10}[a-f0-9]{6}$`);
  for (const f of readdirSync(dir)) if (pattern.test(f)) unlinkSync(join(dir, f));
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** `<name>.corrupt-<time>.json` next to the file, never overwriting another. */
function moveAside(path: string): string {
  const base = path.replace(/\.json$/, '');
  let target = `${base}.corrupt-${stamp()}.json`;
  for (let i = 1; existsSync(target); i++) target = `${base}.corrupt-${stamp()}-${i}.json`;
  renameSync(path, target);
  return target;
}

const RECOVER =
  'Hostdeck started with an empty address book. Your old file is untouched at that path: to recover, quit Hostdeck, fix or replace the file, and rename it back to';

function load(path: string, options: StoreOptions): Loaded {
  const fresh = (warnings: StoreWarning[] = []): Loaded => ({
    path,
    doc: emptyDocument(),
    warnings,
    readOnly: false,
    migrated: false,
  });
  const aside = (code: string, why: string): Loaded => {
    const where = moveAside(path);
    return fresh([
      {
        code,
        path: where,
        message: `${why} The file was moved to ${where}. ${RECOVER} ${path} (or import it from the Import menu).`,
      },
    ]);
  };
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fresh();
    throw err;
  }
  if (size > MAX_FILE_BYTES)
    return aside(
      'STORE_FILE_TOO_LARGE',
      `The address book file is ${size} bytes, more than the ${MAX_FILE_BYTES} Hostdeck reads.`,
    );
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // Not a damaged file but one we may not read (permissions, I/O): leave it alone.
    throw storeErrors.unreadable(path, (err as NodeJS.ErrnoException).code ?? 'error');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return aside(
      'STORE_FILE_CORRUPT',
      'The address book file is not valid JSON (it may have been cut short or edited by hand).',
    );
  }
  const version = typeof raw === 'object' && raw !== null ? (raw as { version?: unknown }).version : undefined;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return aside(
      'STORE_FILE_CORRUPT',
      'The address book file has no valid version number, so Hostdeck cannot tell how to read it.',
    );
  }
  if (version > CURRENT_VERSION) {
    return aside(
      'STORE_FILE_FROM_NEWER_VERSION',
      `The address book was written by a newer Hostdeck (file version ${version}, this one reads up to ${CURRENT_VERSION}). Use the newer Hostdeck, or keep the file for when you update.`,
    );
  }
  if (version < CURRENT_VERSION) return loadMigrated(path, raw as Record<string, unknown>, version, options);
  const checked = checkDocument(raw);
  if (!checked.ok) {
    const e = checked.errors[0];
    return aside(
      'STORE_FILE_INVALID',
      `The address book file has data Hostdeck cannot accept (${checked.errors.length} problem(s), the first at ${e?.field}: ${e?.message}).`,
    );
  }
  return { path, doc: checked.doc, warnings: [], readOnly: false, migrated: false };
}

/**
 * Migrates in memory, checks the result, and only then writes. The old file
 * is copied first to `<name>.v<N>-backup.json` and is the one put back if
 * anything fails; a failed migration opens the book read-only and never
 * writes over the person's file.
 */
function loadMigrated(path: string, raw: Record<string, unknown>, version: number, options: StoreOptions): Loaded {
  const backup = path.replace(/\.json$/, `.v${version}-backup.json`);
  copyFileSync(path, backup);
  chmodSync(backup, 0o600);
  const before = readFileSync(path);
  let problem: string;
  try {
    const checked = checkDocument(migrate(raw, version, options.migrations ?? MIGRATIONS));
    if (checked.ok) return { path, doc: checked.doc, warnings: [], readOnly: false, migrated: true, backup };
    problem = `${checked.errors[0]?.field}: ${checked.errors[0]?.message}`;
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
  }
  // Nothing was written, but make sure: the bytes on disk are the ones we read.
  if (!readFileSync(path).equals(before)) copyFileSync(backup, path);
  unlinkSync(backup);
  return {
    path,
    doc: emptyDocument(),
    readOnly: true,
    migrated: false,
    warnings: [
      {
        code: 'STORE_MIGRATION_FAILED',
        path,
        message: `Hostdeck could not upgrade your address book from version ${version} to ${CURRENT_VERSION} (${problem}). Your file is unchanged at ${path}; Hostdeck opened read-only so nothing overwrites it. Keep a copy and report this problem.`,
      },
    ],
  };
}
