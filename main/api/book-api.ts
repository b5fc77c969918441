// The address-book part of the API: hosts, folders, export and secrets,
// over the store (main/store), joined with import (import-api.ts). Secrets
// are write-only from here: there is no method that returns one
// (docs/SECURITY.md, "Address book and secrets" 1).
import { homedir } from 'node:os';
import { LIMITS, SECRET_KINDS, type HostInput, type SavedHost } from '../../shared/model/host.js';
import type { ApiEvents, BookSnapshot } from '../../shared/api/contract.js';
import type { AddressBookStore } from '../store/address-book-store.js';
import { MAX_SECRET_LENGTH } from '../store/secrets/secret-vault.js';
import { joinModules, noParams, type ApiHandlers, type ApiModule, type ApiParamChecks } from './dispatcher.js';
import { importApi } from './import-api.js';
import { arity, badRequest, folderPath, obj, oneOf, optStr, plainData, str } from './param-checks.js';

type HostMethods =
  | 'book.get'
  | 'hosts.create'
  | 'hosts.update'
  | 'hosts.delete'
  | 'hosts.move'
  | 'hosts.duplicate'
  | 'folders.save'
  | 'folders.delete'
  | 'export.json';
type SecretMethods =
  | 'secrets.status'
  | 'secrets.set'
  | 'secrets.clear'
  | 'secrets.setMasterPassword'
  | 'secrets.unlock'
  | 'secrets.lock'
  | 'secrets.changeMasterPassword';
type BookMethods = HostMethods | SecretMethods | 'import.preview' | 'import.apply';

/** What the book methods need: the store, the event sender (book.changed after every write), and the home folder. */
export interface BookApiContext {
  store: AddressBookStore;
  emit<E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]): void;
  /** The person's home (for ~/.ssh/config); injectable for tests. */
  homeDir?: string;
}

const MAX_HOST_JSON = 64 * 1024;

const id = (v: unknown, name = 'id'): string => str(v, name, LIMITS.idLength);
const password = (v: unknown, name = 'password'): string => str(v, name, MAX_SECRET_LENGTH);

/**
 * The `book.*`, `secrets.*` and `import.*` API methods with their parameter checks (bad parameters: API_BAD_REQUEST).
 * Handlers pass on the store's STORE_, SECRETS_ and IMPORT_ errors unchanged.
 */
export function bookApi(ctx: BookApiContext): ApiModule<BookMethods> {
  const home = ctx.homeDir ?? homedir();
  const changed = (reason: string): void => ctx.emit('book.changed', { reason });
  return joinModules(
    { handlers: { ...hostHandlers(ctx.store, changed), ...secretHandlers(ctx.store, changed) }, checks: BOOK_CHECKS },
    importApi({ store: ctx.store, emit: ctx.emit.bind(ctx), homeDir: home }),
  );
}

function hostHandlers(store: AddressBookStore, changed: (reason: string) => void): Pick<ApiHandlers, HostMethods> {
  return {
    'book.get': () => snapshot(store),
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
      const saved = store.saveHost(duplicateOf(store, hostId));
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
    'export.json': async (options) => {
      const text = await store.exportJson(options.passphrase === undefined ? {} : { passphrase: options.passphrase });
      return { text, fileName: `hostdeck-export-${new Date().toISOString().slice(0, 10)}.json` };
    },
  };
}

function secretHandlers(store: AddressBookStore, changed: (reason: string) => void): Pick<ApiHandlers, SecretMethods> {
  return {
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
  };
}

const BOOK_CHECKS: Pick<ApiParamChecks, HostMethods | SecretMethods> = {
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
  'export.json': (p) => {
    arity(p, 0, 1);
    const o = p[0] === undefined ? {} : obj(p[0], 'options');
    const passphrase = optStr(o['passphrase'], 'passphrase', MAX_SECRET_LENGTH);
    if (passphrase !== undefined && passphrase.length < 8)
      throw badRequest('an export passphrase needs at least 8 characters');
    return [passphrase === undefined ? {} : { passphrase }];
  },
  'secrets.status': noParams,
  'secrets.set': (p) => (arity(p, 3), [id(p[0], 'hostId'), oneOf(p[1], 'kind', SECRET_KINDS), password(p[2], 'value')]),
  'secrets.clear': (p) => (arity(p, 2), [id(p[0], 'hostId'), oneOf(p[1], 'kind', SECRET_KINDS)]),
  'secrets.setMasterPassword': (p) => (arity(p, 1), [password(p[0])]),
  'secrets.unlock': (p) => (arity(p, 1), [password(p[0])]),
  'secrets.lock': noParams,
  'secrets.changeMasterPassword': (p) => (arity(p, 2), [password(p[0], 'oldPassword'), password(p[1], 'newPassword')]),
};

function snapshot(store: AddressBookStore): BookSnapshot {
  return {
    hosts: store.listHosts(),
    folders: store.listFolders(),
    warnings: store.warnings.map((w) => ({ code: w.code, message: w.message, path: w.path })),
    readOnly: store.readOnly,
    path: store.path,
  };
}

function editable(host: SavedHost): HostInput {
  const { createdAt: _c, updatedAt: _u, lastConnectedAt: _l, hasSecret: _h, ...input } = host;
  return input;
}

/** The host as a new one named "<name> (copy)", "<name> (copy 2)", … whichever is free. */
function duplicateOf(store: AddressBookStore, hostId: string): HostInput {
  const source = editable(store.getHost(hostId));
  const names = new Set(store.listHosts().map((h) => h.name));
  let name = `${source.name} (copy)`;
  for (let n = 2; names.has(name); n++) name = `${source.name} (copy ${n})`;
  const { id: _id, ...rest } = source;
  return { ...rest, name: name.slice(0, LIMITS.nameLength) };
}
