// The address-book part of the API: hosts, folders, import/export and
// secrets, over the store (main/store). Secrets are write-only from here:
// there is no method that returns one (SECURITY.md, "Secrets are write-only
// from the renderer").
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HostdeckError } from '../../shared/errors.js';
import { LIMITS, SECRET_KINDS, type HostInput, type SavedHost } from '../../shared/model/host.js';
import type { ApiEvents, BookSnapshot, ImportPreviewInfo, ImportPreviewItem, ImportSource } from '../../shared/api/contract.js';
import type { AddressBookStore } from '../store/address-book-store.js';
import { planImportInSlices, type ImportPreview, type PlannedHost } from '../store/import/import-plan.js';
import type { SecretMap } from '../store/import/hostdeck-json.js';
import { readExport } from '../store/import/hostdeck-json.js';
import { findRemminaFiles, readRemminaFiles } from '../store/import/remmina.js';
import { readSshConfig } from '../store/import/ssh-config.js';
import { MAX_SECRET_LENGTH } from '../store/secrets/secret-vault.js';
import type { ApiModule } from './dispatcher.js';
import { noParams } from './dispatcher.js';
import { arity, badRequest, obj, oneOf, optStr, plainData, str, strList } from './param-checks.js';

type BookMethods =
  | 'book.get'
  | 'hosts.create'
  | 'hosts.update'
  | 'hosts.delete'
  | 'hosts.move'
  | 'hosts.duplicate'
  | 'folders.save'
  | 'folders.delete'
  | 'import.preview'
  | 'import.apply'
  | 'export.json'
  | 'secrets.status'
  | 'secrets.set'
  | 'secrets.clear'
  | 'secrets.setMasterPassword'
  | 'secrets.unlock'
  | 'secrets.lock'
  | 'secrets.changeMasterPassword';

export interface BookApiContext {
  store: AddressBookStore;
  emit<E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]): void;
  /** The person's home (for ~/.ssh/config); injectable for tests. */
  homeDir?: string;
}

const MAX_HOST_JSON = 64 * 1024;
const MAX_IMPORT_TEXT = 32 * 1024 * 1024;
const PREVIEW_TTL_MS = 10 * 60_000;
const MAX_PREVIEWS = 4;

interface PendingImport {
  preview: ImportPreview;
  secrets: SecretMap | undefined;
  timer: NodeJS.Timeout;
}

const id = (v: unknown, name = 'id'): string => str(v, name, LIMITS.idLength);
const folderPath = (v: unknown): string[] => strList(v, 'folder', LIMITS.folderDepth, LIMITS.folderSegmentLength);
const password = (v: unknown, name = 'password'): string => str(v, name, MAX_SECRET_LENGTH);
/** Paths typed into the import form: `~` and `~/…` are the home folder, as in a shell. */
const expandHome = (p: string, home: string): string => (p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p);

export function bookApi(ctx: BookApiContext): ApiModule<BookMethods> {
  const { store } = ctx;
  const home = ctx.homeDir ?? homedir();
  const pending = new Map<string, PendingImport>();
  const changed = (reason: string): void => ctx.emit('book.changed', { reason });

  const snapshot = (): BookSnapshot => ({
    hosts: store.listHosts(),
    folders: store.listFolders(),
    warnings: store.warnings.map((w) => ({ code: w.code, message: w.message, path: w.path })),
    readOnly: store.readOnly,
    path: store.path,
  });

  const editable = (host: SavedHost): HostInput => {
    const { createdAt: _c, updatedAt: _u, lastConnectedAt: _l, hasSecret: _h, ...input } = host;
    return input;
  };

  const itemOf = (p: PlannedHost): ImportPreviewItem => ({
    name: p.host.name,
    protocol: p.host.protocol,
    address: p.host.address,
    port: p.host.port,
    ...(p.host.username ? { username: p.host.username } : {}),
    folder: p.host.folder,
    source: p.source,
  });

  const readSource = async (source: ImportSource): Promise<{ drafts: Parameters<AddressBookStore['previewImport']>[0]; folders: Parameters<AddressBookStore['previewImport']>[1]; secrets?: SecretMap }> => {
    if (source.kind === 'ssh-config') {
      const sshDir = join(home, '.ssh');
      const path = source.path === undefined ? join(sshDir, 'config') : expandHome(source.path, home);
      return { drafts: await readSshConfig({ path, sshDir, homeDir: home, ...(source.folder ? { folder: source.folder } : {}) }), folders: [] };
    }
    if (source.kind === 'remmina') return { drafts: readRemminaFiles(findRemminaFiles(source.paths.map((p) => expandHome(p, home)), home)), folders: [] };
    const parsed = await readExport(source.text, source.passphrase);
    return { drafts: { drafts: parsed.drafts, skipped: parsed.skipped }, folders: parsed.folders, ...(parsed.secrets ? { secrets: parsed.secrets } : {}) };
  };

  return {
    handlers: {
      'book.get': snapshot,
      'hosts.create': (host) => {
        const saved = store.saveHost({ ...host, id: undefined });
        changed('hosts.create');
        return saved;
      },
      'hosts.update': (host) => {
        store.getHost(host.id); // unknown id: a clear error, not a create
        const saved = store.saveHost(host);
        changed('hosts.update');
        return saved;
      },
      'hosts.delete': (hostId) => {
        store.removeHost(hostId);
        changed('hosts.delete');
        return null;
      },
      'hosts.move': (hostId, folder) => {
        const saved = store.saveHost({ ...editable(store.getHost(hostId)), folder });
        changed('hosts.move');
        return saved;
      },
      'hosts.duplicate': (hostId) => {
        const source = editable(store.getHost(hostId));
        const names = new Set(store.listHosts().map((h) => h.name));
        let name = `${source.name} (copy)`;
        for (let n = 2; names.has(name); n++) name = `${source.name} (copy ${n})`;
        const { id: _id, ...rest } = source;
        const saved = store.saveHost({ ...rest, name: name.slice(0, LIMITS.nameLength) });
        changed('hosts.duplicate');
        return saved;
      },
      'folders.save': (folder) => {
        const saved = store.saveFolder(folder);
        changed('folders.save');
        return saved;
      },
      'folders.delete': (path) => {
        store.removeFolder(path);
        changed('folders.delete');
        return null;
      },
      'import.preview': async (source) => {
        const read = await readSource(source);
        // What store.previewImport does, in slices: a large plan must not hold main (issue 11 §5).
        const preview = await planImportInSlices(read.drafts.drafts, read.drafts.skipped, store.listHosts(), read.folders, store.listFolders());
        while (pending.size >= MAX_PREVIEWS) {
          const [oldest] = pending.keys();
          if (oldest === undefined) break;
          clearTimeout(pending.get(oldest)?.timer);
          pending.delete(oldest);
        }
        const previewId = randomBytes(16).toString('base64url');
        const timer = setTimeout(() => pending.delete(previewId), PREVIEW_TTL_MS);
        timer.unref();
        pending.set(previewId, { preview, secrets: read.secrets, timer });
        const info: ImportPreviewInfo = {
          previewId,
          add: preview.add.map(itemOf),
          update: preview.update.map(itemOf),
          unchanged: preview.unchanged.length,
          skipped: preview.skipped.map((s) => ({ source: s.source, reason: s.reason, ...(s.name ? { name: s.name } : {}) })),
          notes: preview.notes.map((s) => ({ source: s.source, name: s.name ?? '', reason: s.reason })),
          withSecrets: read.secrets !== undefined,
        };
        return info;
      },
      'import.apply': (previewId) => {
        const p = pending.get(previewId);
        if (!p) throw new HostdeckError('IMPORT_EXPIRED', 'That import preview is no longer available. Start the import again.');
        pending.delete(previewId);
        clearTimeout(p.timer);
        const result = store.applyImport(p.preview, p.secrets);
        changed('import.apply');
        return result;
      },
      'export.json': async (options) => {
        const text = await store.exportJson(options.passphrase === undefined ? {} : { passphrase: options.passphrase });
        return { text, fileName: `hostdeck-export-${new Date().toISOString().slice(0, 10)}.json` };
      },
      'secrets.status': () => store.secretsStatus(),
      'secrets.set': (hostId, kind, value) => {
        store.getHost(hostId);
        store.setSecret(hostId, kind, value);
        changed('secrets.set');
        return null;
      },
      'secrets.clear': (hostId, kind) => {
        store.clearSecret(hostId, kind);
        changed('secrets.clear');
        return null;
      },
      'secrets.setMasterPassword': async (pw) => {
        await store.setMasterPassword(pw);
        return null;
      },
      'secrets.unlock': async (pw) => {
        await store.unlockSecrets(pw);
        return null;
      },
      'secrets.lock': () => {
        store.lockSecrets();
        return null;
      },
      'secrets.changeMasterPassword': async (oldPw, newPw) => {
        await store.changeMasterPassword(oldPw, newPw);
        return null;
      },
    },
    checks: {
      'book.get': noParams,
      'hosts.create': (p) => {
        arity(p, 1);
        return [plainData(obj(p[0], 'host'), 'host', MAX_HOST_JSON) as HostInput];
      },
      'hosts.update': (p) => {
        arity(p, 1);
        const host = plainData(obj(p[0], 'host'), 'host', MAX_HOST_JSON) as HostInput & { id: string };
        id(host.id, 'host.id');
        return [host];
      },
      'hosts.delete': (p) => (arity(p, 1), [id(p[0])]),
      'hosts.move': (p) => (arity(p, 2), [id(p[0]), folderPath(p[1])]),
      'hosts.duplicate': (p) => (arity(p, 1), [id(p[0])]),
      'folders.save': (p) => {
        arity(p, 1);
        return [plainData(obj(p[0], 'folder'), 'folder', MAX_HOST_JSON) as never];
      },
      'folders.delete': (p) => (arity(p, 1), [folderPath(p[0])]),
      'import.preview': (p) => {
        arity(p, 1);
        const s = obj(p[0], 'source');
        const kind = oneOf(s['kind'], 'source.kind', ['ssh-config', 'remmina', 'hostdeck-json'] as const);
        if (kind === 'ssh-config') {
          const path = optStr(s['path'], 'source.path', 4096);
          return [{ kind, ...(path ? { path } : {}), ...(s['folder'] !== undefined ? { folder: folderPath(s['folder']) } : {}) }];
        }
        if (kind === 'remmina') return [{ kind, paths: strList(s['paths'], 'source.paths', 1000, 4096) }];
        const passphrase = optStr(s['passphrase'], 'source.passphrase', MAX_SECRET_LENGTH);
        return [{ kind, text: str(s['text'], 'source.text', MAX_IMPORT_TEXT), ...(passphrase !== undefined ? { passphrase } : {}) }];
      },
      'import.apply': (p) => (arity(p, 1), [str(p[0], 'previewId', 64)]),
      'export.json': (p) => {
        arity(p, 0, 1);
        const o = p[0] === undefined ? {} : obj(p[0], 'options');
        const passphrase = optStr(o['passphrase'], 'passphrase', MAX_SECRET_LENGTH);
        if (passphrase !== undefined && passphrase.length < 8) throw badRequest('an export passphrase needs at least 8 characters');
        return [passphrase === undefined ? {} : { passphrase }];
      },
      'secrets.status': noParams,
      'secrets.set': (p) => (arity(p, 3), [id(p[0], 'hostId'), oneOf(p[1], 'kind', SECRET_KINDS), password(p[2], 'value')]),
      'secrets.clear': (p) => (arity(p, 2), [id(p[0], 'hostId'), oneOf(p[1], 'kind', SECRET_KINDS)]),
      'secrets.setMasterPassword': (p) => (arity(p, 1), [password(p[0])]),
      'secrets.unlock': (p) => (arity(p, 1), [password(p[0])]),
      'secrets.lock': noParams,
      'secrets.changeMasterPassword': (p) => (arity(p, 2), [password(p[0], 'oldPassword'), password(p[1], 'newPassword')]),
    },
  };
}
