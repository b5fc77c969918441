// Every importer (ssh_config, Remmina, Hostdeck JSON) produces drafts; this
// turns drafts into a preview against the current book (what will be added,
// updated, left as is, or skipped and why) that the store then applies in one
// step. Matching by id, then by name and protocol, is what keeps a re-import
// from duplicating hosts.
import { randomBytes } from 'node:crypto';
import type { Folder, HostInput, SavedHost } from '../../../shared/model/host.js';
import { bookView, checkHost } from '../../../shared/model/validate.js';
import { Slicer } from './slicer.js';

/** One host an importer proposes, before it is matched against the book. */
export interface ImportDraft {
  /** The importer's own name for it (an ssh alias, a file), unique per import. */
  ref: string;
  host: Omit<HostInput, 'jumpChain'> & { jumpChain?: string[] };
  /** Refs of other drafts (or ids of saved hosts) to jump through, outermost first. */
  jumpRefs?: string[];
  /** Where it came from, e.g. "~/.ssh/config:12". */
  source: string;
  /** Imported, but not all of it: said in the preview apart from what was skipped. */
  note?: string;
}

/** Something an importer or the plan left out: where it came from, its name if known, and why (a sentence). */
export interface Skipped {
  source: string;
  name?: string;
  reason: string;
}

/** A draft matched to a saved host id (existing or new UUID) with its jump refs resolved to ids. */
export interface PlannedHost {
  id: string;
  ref: string;
  source: string;
  host: HostInput & { id: string };
}

/** What an import would do, shown before anything is written: hosts to add, update or leave, and what is skipped. */
export interface ImportPreview {
  add: PlannedHost[];
  update: PlannedHost[];
  unchanged: PlannedHost[];
  skipped: Skipped[];
  /** Hosts that will be added or updated, with something the person should know. */
  notes: Skipped[];
  folders: Folder[];
}

/**
 * Matches drafts against the saved hosts (by id, then by name and protocol, so a re-import does not duplicate) and
 * resolves jump refs, without writing anything. Never throws; a draft that cannot be planned is listed in `skipped`.
 */
export function planImport(
  drafts: readonly ImportDraft[],
  skipped: readonly Skipped[],
  existing: readonly SavedHost[],
  folders: readonly Folder[] = [],
  existingFolders: readonly Folder[] = [],
): ImportPreview {
  const steps = planSteps(drafts, skipped, existing, folders, existingFolders, () => false);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The same plan, giving the event loop a turn every few milliseconds: for
 * the API, where a 10,000-host preview would otherwise hold the main
 * process for the whole validation pass (an 8,000-host config once held serve mode for 55 s).
 */
export async function planImportInSlices(
  drafts: readonly ImportDraft[],
  skipped: readonly Skipped[],
  existing: readonly SavedHost[],
  folders: readonly Folder[] = [],
  existingFolders: readonly Folder[] = [],
): Promise<ImportPreview> {
  const slicer = new Slicer();
  const steps = planSteps(drafts, skipped, existing, folders, existingFolders, () => slicer.due());
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await slicer.yield();
  }
}

/** Yields (nothing) whenever `due()` says it is time to pause. */
function* planSteps(
  drafts: readonly ImportDraft[],
  skipped: readonly Skipped[],
  existing: readonly SavedHost[],
  folders: readonly Folder[],
  existingFolders: readonly Folder[],
  due: () => boolean,
): Generator<void, ImportPreview> {
  const out: ImportPreview = {
    add: [],
    update: [],
    unchanged: [],
    skipped: [...skipped],
    notes: [],
    folders: [...folders],
  };
  const { match, resolved } = yield* resolveIds(drafts, existing, due);
  // Validate each against the book as it will be after the import.
  const after = new Map<string, Pick<HostInput, 'id' | 'protocol' | 'jumpChain' | 'folder' | 'name'>>(
    existing.map((h) => [h.id, h]),
  );
  for (const { host } of resolved) after.set(host.id, host);
  const folderMap = new Map([...existingFolders, ...folders].map((f) => [f.path.join('/'), f]));
  const view = bookView(after.values(), folderMap.values());
  const failed = new Map<string, string>();
  for (const { d, host } of resolved) {
    if (due()) yield;
    const r = checkHost(host, view);
    if (!r.ok) {
      failed.set(host.id, d.host.name);
      out.skipped.push({
        source: d.source,
        name: d.host.name,
        reason: r.errors.map((e) => `${e.field}: ${e.message}`).join(' '),
      });
      continue;
    }
    const planned: PlannedHost = { id: host.id, ref: d.ref, source: d.source, host: { ...r.host, id: host.id } };
    const m = match.get(d.ref);
    if (m === undefined) out.add.push(planned);
    else if (sameHost(m, planned.host)) out.unchanged.push(planned);
    else out.update.push(planned);
  }
  // A host whose jump host was skipped cannot be imported either. One pass
  // per list (filter, not splice in a loop): linear in the number of hosts.
  const usable = (p: PlannedHost): boolean => {
    const bad = p.host.jumpChain?.find((j) => failed.has(j));
    if (bad === undefined) return true;
    out.skipped.push({
      source: p.source,
      name: p.host.name,
      reason: `Its jump host "${failed.get(bad) ?? bad}" could not be imported (see above).`,
    });
    return false;
  };
  out.add = out.add.filter(usable);
  out.update = out.update.filter(usable);
  const notes = new Map(drafts.filter((d) => d.note !== undefined).map((d) => [d.ref, d.note as string]));
  if (notes.size > 0) {
    for (const p of [...out.add, ...out.update]) {
      const note = notes.get(p.ref);
      if (note !== undefined) out.notes.push({ source: p.source, name: p.host.name, reason: note });
    }
  }
  return out;
}

/**
 * Gives each draft its id: the saved host it matches (by id, else by protocol
 * and name) keeps its own, a new one gets 96 random bits. Jump references
 * become those ids.
 */
function* resolveIds(
  drafts: readonly ImportDraft[],
  existing: readonly SavedHost[],
  due: () => boolean,
): Generator<
  void,
  {
    match: Map<string, SavedHost | undefined>;
    resolved: Array<{ d: ImportDraft; host: HostInput & { id: string } }>;
  }
> {
  const byId = new Map(existing.map((h) => [h.id, h]));
  const byName = new Map(existing.map((h) => [`${h.protocol}\u0000${h.name}`, h]));
  const idOf = new Map<string, string>();
  const match = new Map<string, SavedHost | undefined>();
  // One call for all new ids: randomBytes per host was a tenth of a 10,000-host preview.
  const random = randomBytes(12 * drafts.length);
  for (const [i, d] of drafts.entries()) {
    if (due()) yield;
    const m =
      (d.host.id !== undefined ? byId.get(d.host.id) : undefined) ??
      byName.get(`${d.host.protocol}\u0000${d.host.name}`);
    match.set(d.ref, m);
    idOf.set(d.ref, m?.id ?? d.host.id ?? random.toString('base64url', 12 * i, 12 * i + 12));
  }
  const resolved: Array<{ d: ImportDraft; host: HostInput & { id: string } }> = [];
  for (const d of drafts) {
    if (due()) yield;
    const host: HostInput & { id: string } = { ...d.host, id: idOf.get(d.ref) as string };
    if (d.jumpRefs !== undefined) host.jumpChain = d.jumpRefs.map((r) => idOf.get(r) ?? r);
    resolved.push({ d, host });
  }
  return { match, resolved };
}

const COMPARED = [
  'name',
  'protocol',
  'address',
  'port',
  'username',
  'auth',
  'jumpChain',
  'vnc',
  'folder',
  'tags',
  'notes',
  'colour',
  'forwards',
  'forwardAgent',
  'sessionLog',
] as const;

function sameHost(a: HostInput, b: HostInput): boolean {
  return COMPARED.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
