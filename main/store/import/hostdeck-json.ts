// Hostdeck's own export: hosts and folders in clear, and secrets only when
// the person gives an export passphrase, sealed with the same scrypt +
// AES-256-GCM as the master-password box (docs/SECURITY.md "Address book" 7).
import type { Folder, SecretKind } from '../../../shared/model/host.js';
import { CURRENT_VERSION, type StoredHost } from '../document.js';
import { storeErrors } from '../errors.js';
import { deriveKey, isKdfParams, newKdfParams, open, seal, STRONG_KDF, type KdfParams } from '../secrets/aead.js';
import type { ImportDraft, Skipped } from './import-plan.js';

/** The `format` field that marks a Hostdeck export file. */
export const EXPORT_FORMAT = 'hostdeck-export';
const EXPORT_AAD = 'hostdeck:export';

/** hostId → secret kind → plaintext, as the export seals it under its passphrase. */
export type SecretMap = Record<string, Partial<Record<SecretKind, string>>>;

/**
 * A Hostdeck export file: the book's hosts and folders, and optionally every secret sealed as one AES-256-GCM blob
 * under a key scrypt derives from the export passphrase.
 */
export interface ExportFile {
  format: typeof EXPORT_FORMAT;
  version: number;
  exportedAt: string;
  hosts: StoredHost[];
  folders: Folder[];
  secrets?: { kdf: KdfParams; sealed: string };
}

/**
 * The export as pretty-printed JSON. With `secrets`, they are sealed under the passphrase (at least 8 characters, else
 * SECRETS_WEAK_PASSWORD); scrypt errors reject as they are.
 */
export async function buildExport(
  hosts: StoredHost[],
  folders: Folder[],
  secrets?: { passphrase: string; values: SecretMap; strength?: { logN: number; r: number; p: number } },
): Promise<string> {
  const file: ExportFile = {
    format: EXPORT_FORMAT,
    version: CURRENT_VERSION,
    exportedAt: new Date().toISOString(),
    hosts,
    folders,
  };
  if (secrets !== undefined) {
    if (secrets.passphrase.length < 8) throw storeErrors.weakPassword(8);
    const kdf = newKdfParams(secrets.strength ?? STRONG_KDF);
    const key = await deriveKey(secrets.passphrase, kdf);
    file.secrets = { kdf, sealed: seal(key, JSON.stringify(secrets.values), EXPORT_AAD) };
    key.fill(0);
  }
  return JSON.stringify(file, undefined, 2);
}

/** What readExport found: hosts as import drafts, the folders, and the secrets if the passphrase opened them. */
export interface ParsedExport {
  drafts: ImportDraft[];
  /** Always empty: an export is checked host by host in the preview. */
  skipped: Skipped[];
  folders: Folder[];
  /** Present when the file had secrets and the passphrase opened them. */
  secrets?: SecretMap;
  hasSecrets: boolean;
}

/** Reads an export; with secrets only when `passphrase` is given (wrong: SECRETS_WRONG_PASSWORD). */
export async function readExport(text: string, passphrase?: string): Promise<ParsedExport> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw storeErrors.importInvalid('This is not a Hostdeck export: it is not valid JSON.');
  }
  const f = raw as Partial<ExportFile>;
  if (typeof raw !== 'object' || raw === null || f.format !== EXPORT_FORMAT)
    throw storeErrors.importInvalid('This is not a Hostdeck export (no "format": "hostdeck-export").');
  if (typeof f.version !== 'number' || f.version > CURRENT_VERSION)
    throw storeErrors.importInvalid(
      `This export is from a newer Hostdeck (version ${String(f.version)}); update Hostdeck to import it.`,
    );
  if (!Array.isArray(f.hosts) || !Array.isArray(f.folders ?? []))
    throw storeErrors.importInvalid('The export has no list of hosts.');
  const drafts: ImportDraft[] = f.hosts.map((h: StoredHost, i: number) => {
    const host = { ...h } as Partial<StoredHost>;
    delete host.createdAt;
    delete host.updatedAt;
    delete host.lastConnectedAt;
    delete (host as Record<string, unknown>)['hasSecret'];
    const d: ImportDraft = { ref: String(h?.id ?? i), host: host as ImportDraft['host'], source: `hosts[${i}]` };
    if (Array.isArray(h?.jumpChain)) d.jumpRefs = h.jumpChain;
    return d;
  });
  const out: ParsedExport = {
    drafts,
    skipped: [],
    folders: (f.folders ?? []) as Folder[],
    hasSecrets: f.secrets !== undefined,
  };
  if (f.secrets !== undefined && passphrase !== undefined) {
    if (!isKdfParams(f.secrets.kdf) || typeof f.secrets.sealed !== 'string')
      throw storeErrors.importInvalid('The sealed secrets in this export are damaged.');
    const key = await deriveKey(passphrase, f.secrets.kdf);
    const plain = open(key, f.secrets.sealed, EXPORT_AAD);
    key.fill(0);
    if (plain === undefined) throw storeErrors.wrongPassword();
    out.secrets = JSON.parse(plain) as SecretMap;
  }
  return out;
}
