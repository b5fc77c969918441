// Importing hosts: import.preview reads a source (an ssh config, Remmina
// profiles, a Hostdeck export) and plans the change; import.apply applies a
// plan the person has seen. A plan is kept in main, under a random id, for
// a limited time, so the page cannot apply anything it was not shown.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { HostdeckError } from '../../shared/errors.js';
import type { ApiEvents, ImportPreviewInfo, ImportPreviewItem, ImportSource } from '../../shared/api/contract.js';
import type { AddressBookStore } from '../store/address-book-store.js';
import { planImportInSlices, type ImportPreview, type PlannedHost } from '../store/import/import-plan.js';
import { readExport, type SecretMap } from '../store/import/hostdeck-json.js';
import { findRemminaFiles, readRemminaFiles } from '../store/import/remmina.js';
import { readSshConfig } from '../store/import/ssh-config.js';
import { MAX_SECRET_LENGTH } from '../store/secrets/secret-vault.js';
import type { ApiModule } from './dispatcher.js';
import { arity, folderPath, obj, oneOf, optStr, str, strList } from './param-checks.js';

type ImportMethods = 'import.preview' | 'import.apply';

/** What the import methods need: the store, the event sender, and the home folder that `~` expands to. */
export interface ImportApiContext {
  store: AddressBookStore;
  emit<E extends keyof ApiEvents>(event: E, payload: ApiEvents[E]): void;
  /** The person's home (for ~/.ssh/config and `~` in typed paths). */
  homeDir: string;
}

const MAX_IMPORT_TEXT = 32 * 1024 * 1024;
const PREVIEW_TTL_MS = 10 * 60_000;
const MAX_PREVIEWS = 4;

interface PendingImport {
  preview: ImportPreview;
  secrets: SecretMap | undefined;
  timer: NodeJS.Timeout;
}

type ReadSource = {
  drafts: Parameters<AddressBookStore['previewImport']>[0];
  folders: Parameters<AddressBookStore['previewImport']>[1];
  secrets?: SecretMap;
};

/**
 * `import.preview` reads a source and keeps the plan under a random id for a limited time; `import.apply` applies it
 * once (IMPORT_EXPIRED when the id is unknown or timed out). Readers' IMPORT_ and SECRETS_ errors pass through.
 */
export function importApi(ctx: ImportApiContext): ApiModule<ImportMethods> {
  const { store } = ctx;
  const pending = new Map<string, PendingImport>();
  return {
    handlers: {
      'import.preview': async (source) => {
        const read = await readSource(source, ctx.homeDir);
        // What store.previewImport does, in slices: a large plan must not hold main (an 8,000-host config once held serve mode for 55 s).
        const preview = await planImportInSlices(
          read.drafts.drafts,
          read.drafts.skipped,
          store.listHosts(),
          read.folders,
          store.listFolders(),
        );
        return previewInfo(keep(pending, preview, read.secrets), preview, read.secrets !== undefined);
      },
      'import.apply': (previewId) => {
        const p = pending.get(previewId);
        if (!p)
          throw new HostdeckError(
            'IMPORT_EXPIRED',
            'That import preview is no longer available. Start the import again.',
          );
        pending.delete(previewId);
        clearTimeout(p.timer);
        const result = store.applyImport(p.preview, p.secrets);
        ctx.emit('book.changed', { reason: 'import.apply' });
        return result;
      },
    },
    checks: {
      'import.preview': (p) => (arity(p, 1), [importSource(p[0])]),
      'import.apply': (p) => (arity(p, 1), [str(p[0], 'previewId', 64)]),
    },
  };
}

/** Keeps a plan for import.apply (the oldest goes when too many wait); returns its id. */
function keep(pending: Map<string, PendingImport>, preview: ImportPreview, secrets: SecretMap | undefined): string {
  while (pending.size >= MAX_PREVIEWS) {
    const [oldest] = pending.keys();
    if (oldest === undefined) break;
    clearTimeout(pending.get(oldest)?.timer);
    pending.delete(oldest);
  }
  const previewId = randomBytes(16).toString('base64url');
  const timer = setTimeout(() => pending.delete(previewId), PREVIEW_TTL_MS);
  timer.unref();
  pending.set(previewId, { preview, secrets, timer });
  return previewId;
}

function previewInfo(previewId: string, preview: ImportPreview, withSecrets: boolean): ImportPreviewInfo {
  return {
    previewId,
    add: preview.add.map(itemOf),
    update: preview.update.map(itemOf),
    unchanged: preview.unchanged.length,
    skipped: preview.skipped.map((s) => ({ source: s.source, reason: s.reason, ...(s.name ? { name: s.name } : {}) })),
    notes: preview.notes.map((s) => ({ source: s.source, name: s.name ?? '', reason: s.reason })),
    withSecrets,
  };
}

function itemOf(p: PlannedHost): ImportPreviewItem {
  return {
    name: p.host.name,
    protocol: p.host.protocol,
    address: p.host.address,
    port: p.host.port,
    ...(p.host.username ? { username: p.host.username } : {}),
    folder: p.host.folder,
    source: p.source,
  };
}

async function readSource(source: ImportSource, home: string): Promise<ReadSource> {
  if (source.kind === 'ssh-config') {
    const sshDir = join(home, '.ssh');
    const path = source.path === undefined ? join(sshDir, 'config') : expandHome(source.path, home);
    return {
      drafts: await readSshConfig({ path, sshDir, homeDir: home, ...(source.folder ? { folder: source.folder } : {}) }),
      folders: [],
    };
  }
  if (source.kind === 'remmina')
    return {
      drafts: readRemminaFiles(
        findRemminaFiles(
          source.paths.map((p) => expandHome(p, home)),
          home,
        ),
      ),
      folders: [],
    };
  const parsed = await readExport(source.text, source.passphrase);
  return {
    drafts: { drafts: parsed.drafts, skipped: parsed.skipped },
    folders: parsed.folders,
    ...(parsed.secrets ? { secrets: parsed.secrets } : {}),
  };
}

function importSource(v: unknown): ImportSource {
  const s = obj(v, 'source');
  const kind = oneOf(s['kind'], 'source.kind', ['ssh-config', 'remmina', 'hostdeck-json'] as const);
  if (kind === 'ssh-config') {
    const path = optStr(s['path'], 'source.path', 4096);
    return {
      kind,
      ...(path ? { path } : {}),
      ...(s['folder'] !== undefined ? { folder: folderPath(s['folder']) } : {}),
    };
  }
  if (kind === 'remmina') return { kind, paths: strList(s['paths'], 'source.paths', 1000, 4096) };
  const passphrase = optStr(s['passphrase'], 'source.passphrase', MAX_SECRET_LENGTH);
  return {
    kind,
    text: str(s['text'], 'source.text', MAX_IMPORT_TEXT),
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
}

/** Paths typed into the import form: `~` and `~/…` are the home folder, as in a shell. */
function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}
