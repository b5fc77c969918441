// The on-disk document: its current shape, the structural check a loaded
// file must pass, and the migrations from every older version. Bump
// CURRENT_VERSION only together with a migration and its fixture
// (test/fixtures/store/v<N>.json, docs/SECURITY.md "Address book" 6).
import type { Folder, HostInput, SecretKind } from '../../shared/model/host.js';
import { SECRET_KINDS } from '../../shared/model/host.js';
import { validateBook, type FieldError } from '../../shared/model/validate.js';
import { isKdfParams } from './secrets/aead.js';
import type { MasterPasswordState } from './secrets/master-password-box.js';
import type { BoxKind } from './secrets/secret-box.js';

/** The file format's version; older files are migrated on load (migrate). */
export const CURRENT_VERSION = 2;

/**
 * A host as written in the file: like SavedHost but without hasSecret, which is worked out from the secrets section.
 */
export interface StoredHost extends HostInput {
  id: string;
  createdAt: string;
  updatedAt: string;
  lastConnectedAt?: string;
}

/** hostId → secret kind → sealed value (base64 of the box's ciphertext). Never plaintext. */
export type SealedEntries = Record<string, Partial<Record<SecretKind, string>>>;

/**
 * The file's secrets: which box sealed them (null: none saved yet), the master password's KDF and verifier when that
 * box is used, and the sealed values.
 */
export interface SecretsSection {
  box: BoxKind | null;
  master?: MasterPasswordState;
  /** hostId → kind → sealed value. Never plaintext. */
  entries: SealedEntries;
}

/** The whole file at CURRENT_VERSION, as checkDocument accepts it. */
export interface StoreDocument {
  version: typeof CURRENT_VERSION;
  hosts: StoredHost[];
  folders: Folder[];
  secrets: SecretsSection;
}

/** The book a first start writes: no hosts, no folders, no secrets. */
export function emptyDocument(): StoreDocument {
  return { version: CURRENT_VERSION, hosts: [], folders: [], secrets: { box: null, entries: {} } };
}

/**
 * Turns a document of version N into version N+1; MIGRATIONS is keyed by N. Must not throw on any document
 * checkDocument would accept at N.
 */
export type Migration = (doc: Record<string, unknown>) => Record<string, unknown>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toIso(v: unknown): string {
  const d = typeof v === 'number' ? new Date(v) : typeof v === 'string' ? new Date(v) : new Date(NaN);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

/**
 * Version 1 (the prototype's file): hosts with `label`, `type`, `hostname`,
 * `user`, `group` ("a/b"), comma-separated `tags`, a single `jumpHost`, a
 * `keyFile`, `viewOnly` for VNC and `created` in epoch ms; no folders and no
 * secrets section. Version 2 is the issue-4 model.
 */
function v1ToV2(doc: Record<string, unknown>): Record<string, unknown> {
  const hosts = Array.isArray(doc['hosts']) ? doc['hosts'] : [];
  return {
    version: 2,
    folders: [],
    secrets: { box: null, entries: {} },
    hosts: hosts.map((raw: unknown) => {
      if (!isRecord(raw)) throw new Error('a host in the version 1 file is not an object');
      const created = toIso(raw['created']);
      const protocol = raw['type'] === 'vnc' ? 'vnc' : 'ssh';
      const out: Record<string, unknown> = {
        id: raw['id'],
        name: raw['label'],
        protocol,
        address: raw['hostname'],
        port: raw['port'] ?? (protocol === 'vnc' ? 5900 : 22),
        folder:
          typeof raw['group'] === 'string' && raw['group'] !== ''
            ? raw['group']
                .split('/')
                .map((s) => s.trim())
                .filter((s) => s !== '')
            : [],
        tags:
          typeof raw['tags'] === 'string'
            ? raw['tags']
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== '')
            : [],
        notes: typeof raw['notes'] === 'string' ? raw['notes'] : '',
        createdAt: created,
        updatedAt: created,
      };
      if (typeof raw['user'] === 'string' && raw['user'] !== '') out['username'] = raw['user'];
      if (typeof raw['jumpHost'] === 'string' && raw['jumpHost'] !== '') out['jumpChain'] = [raw['jumpHost']];
      if (typeof raw['keyFile'] === 'string' && raw['keyFile'] !== '')
        out['auth'] = { type: 'privateKey', path: raw['keyFile'] };
      if (protocol === 'vnc')
        out['vnc'] = { viewOnly: raw['viewOnly'] === true, scaling: 'scale', quality: 6, compression: 2, shared: true };
      return out;
    }),
  };
}

/** MIGRATIONS[n] turns version n into version n + 1. */
export const MIGRATIONS: Readonly<Record<number, Migration>> = { 1: v1ToV2 };

/**
 * Applies migrations `from` up to CURRENT_VERSION in order. Throws a plain Error when a step is missing (a bug), or
 * whatever a step throws.
 */
export function migrate(
  doc: Record<string, unknown>,
  from: number,
  migrations: Readonly<Record<number, Migration>> = MIGRATIONS,
): Record<string, unknown> {
  let out = doc;
  for (let v = from; v < CURRENT_VERSION; v++) {
    const step = migrations[v];
    if (step === undefined) throw new Error(`no migration from version ${v}`);
    out = step(out);
  }
  return out;
}

/** checkDocument's answer: the typed document, or every field error found. */
export type DocumentCheck = { ok: true; doc: StoreDocument } | { ok: false; errors: FieldError[] };

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/** A current-version document as read from disk: every field checked. */
export function checkDocument(raw: unknown): DocumentCheck {
  if (!isRecord(raw))
    return { ok: false, errors: [{ field: '', code: 'WRONG_TYPE', message: 'The file does not hold an object.' }] };
  if (raw['version'] !== CURRENT_VERSION)
    return {
      ok: false,
      errors: [{ field: 'version', code: 'WRONG_VERSION', message: `Expected version ${CURRENT_VERSION}.` }],
    };
  const book = validateBook({ hosts: raw['hosts'], folders: raw['folders'] ?? [] });
  if (!book.ok) return book;
  const errors: FieldError[] = [];
  const rawHosts = raw['hosts'] as Record<string, unknown>[];
  const hosts: StoredHost[] = book.hosts.map((h, i) => {
    const r = rawHosts[i] as Record<string, unknown>;
    for (const key of ['createdAt', 'updatedAt'] as const) {
      if (typeof r[key] !== 'string' || !ISO.test(r[key] as string))
        errors.push({
          field: `hosts[${i}].${key}`,
          code: 'INVALID_TIME',
          message: 'Times are ISO 8601 UTC, like 2026-11-22T16:00:00.000Z.',
        });
    }
    const last = r['lastConnectedAt'];
    if (last !== undefined && (typeof last !== 'string' || !ISO.test(last)))
      errors.push({ field: `hosts[${i}].lastConnectedAt`, code: 'INVALID_TIME', message: 'Times are ISO 8601 UTC.' });
    // h is the validator's fresh copy: completed in place rather than copied again.
    const out = h as StoredHost;
    out.createdAt = r['createdAt'] as string;
    out.updatedAt = r['updatedAt'] as string;
    if (typeof last === 'string') out.lastConnectedAt = last;
    return out;
  });
  const secrets = checkSecrets(raw['secrets'] ?? { box: null, entries: {} }, new Set(hosts.map((h) => h.id)), errors);
  if (errors.length > 0 || secrets === undefined) return { ok: false, errors };
  return { ok: true, doc: { version: CURRENT_VERSION, hosts, folders: book.folders, secrets } };
}

function checkSecrets(raw: unknown, ids: Set<string>, errors: FieldError[]): SecretsSection | undefined {
  const fail = (field: string, message: string): undefined => {
    errors.push({ field: `secrets${field}`, code: 'INVALID_SECRETS', message });
    return undefined;
  };
  if (!isRecord(raw)) return fail('', 'The secrets section must be an object.');
  const box = raw['box'];
  if (box !== null && box !== 'safeStorage' && box !== 'masterPassword')
    return fail('.box', 'The box must be "safeStorage", "masterPassword" or null.');
  const out: SecretsSection = { box, entries: {} };
  if (box === 'masterPassword') {
    const m = raw['master'];
    if (!isRecord(m) || !isKdfParams(m['kdf']) || typeof m['verifier'] !== 'string')
      return fail('.master', 'The master-password parameters are missing or out of range.');
    out.master = { kdf: m['kdf'], verifier: m['verifier'] };
  }
  const entries = raw['entries'];
  if (!isRecord(entries)) return fail('.entries', 'The sealed entries must be an object.');
  for (const [hostId, kinds] of Object.entries(entries)) {
    if (!ids.has(hostId) || !isRecord(kinds))
      return fail(`.entries.${hostId}`, 'Sealed secrets must belong to a saved host.');
    const k: Partial<Record<SecretKind, string>> = {};
    for (const [kind, sealed] of Object.entries(kinds)) {
      if (
        !(SECRET_KINDS as readonly string[]).includes(kind) ||
        typeof sealed !== 'string' ||
        sealed.length > 64 * 1024
      )
        return fail(`.entries.${hostId}.${kind}`, 'Unknown secret kind or bad sealed value.');
      k[kind as SecretKind] = sealed;
    }
    out.entries[hostId] = k;
  }
  if (box === null && Object.keys(out.entries).length > 0) return fail('.box', 'Sealed secrets without a box.');
  return out;
}
