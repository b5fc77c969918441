// `npm run bench -- store`: the address book at 10,000 hosts (issue 4 target:
// < 50 ms each for load, validate and search). References measured in the
// same run: plain JSON.parse of the same file (load), and a naive
// lower-case substring filter (search).
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressBookStore } from '../main/store/address-book-store.js';
import type { ImportDraft } from '../main/store/import/import-plan.js';
import { HostSearchIndex } from '../shared/model/search.js';
import { validateBook } from '../shared/model/validate.js';
import { printReport, stats, type Measurement } from './report.js';

const HOSTS = 10_000;
const RUNS = 21;
/** Runs discarded first, so the medians are of JIT-compiled code. */
const WARMUP = 3;
const QUERIES = ['web', 'prod db', 'prxoy', '10.1.2', 'frnakfurt', 'k8s node 12', 'pwb', 'ops'];

function drafts(): ImportDraft[] {
  const roles = ['web', 'db', 'proxy', 'k8s-node', 'cache', 'build', 'vpn', 'mail'];
  const envs = ['prod', 'staging', 'dev', 'lab'];
  const sites = ['frankfurt', 'dublin', 'virginia', 'tokyo', 'sydney'];
  const out: ImportDraft[] = [];
  for (let i = 0; i < HOSTS; i++) {
    const role = roles[i % roles.length] as string;
    const env = envs[(i >> 3) % envs.length] as string;
    const site = sites[(i >> 5) % sites.length] as string;
    const vnc = i % 10 === 9;
    const host: ImportDraft['host'] = {
      name: `${env}-${role}-${i}`,
      protocol: vnc ? 'vnc' : 'ssh',
      address: i % 3 === 0 ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : i % 3 === 1 ? `${role}${i}.${site}.example.com` : `2001:db8::${i.toString(16)}`,
      port: vnc ? 5900 + (i % 10) : 22,
      folder: [env, site],
      tags: [role, env, ...(i % 4 === 0 ? ['critical'] : [])],
      notes: i % 5 === 0 ? `Owned by team ${i % 17}; rotate keys quarterly.` : '',
    };
    if (!vnc) host.username = i % 2 === 0 ? 'ops' : 'deploy';
    if (vnc) host.vnc = { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true };
    const d: ImportDraft = { ref: `h${i}`, host, source: 'bench' };
    // Every 8th SSH host after the first hundred jumps through one of the first ones.
    if (!vnc && i >= 100 && i % 8 === 0) d.jumpRefs = [`h${(i % 90) + (i % 90) % 10 === 9 ? 0 : i % 90}`];
    out.push(d);
  }
  return out;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

export async function main(_args: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hostdeck-bench-store-'));
  try {
    const seed = AddressBookStore.open({ dataDir: dir });
    const preview = seed.previewImport({ drafts: drafts(), skipped: [] });
    if (preview.skipped.length > 0) throw new Error(`bench data invalid: ${JSON.stringify(preview.skipped[0])}`);
    seed.applyImport(preview);
    seed.close();
    const path = join(dir, 'hostdeck.json');
    const bytes = statSync(path).size;

    const load: number[] = [];
    const parse: number[] = [];
    const validate: number[] = [];
    const search: number[] = [];
    const naive: number[] = [];
    const build: number[] = [];
    const save: number[] = [];
    const rawWrite: number[] = [];
    let hits = 0;
    for (let r = 0; r < WARMUP + RUNS; r++) {
      if (r === WARMUP) for (const a of [load, parse, validate, search, naive, build]) a.length = 0;
      parse.push(time(() => JSON.parse(readFileSync(path, 'utf8'))));
      let store: AddressBookStore | undefined;
      load.push(time(() => (store = AddressBookStore.open({ dataDir: dir }))));
      const s = store as AddressBookStore;
      if (s.listHosts().length !== HOSTS || s.warnings.length > 0) throw new Error('load lost hosts');
      const raw = JSON.parse(readFileSync(path, 'utf8')) as { hosts: unknown; folders: unknown };
      validate.push(time(() => {
        if (!validateBook(raw).ok) throw new Error('bench book invalid');
      }));
      const list = s.listHosts();
      let index: HostSearchIndex | undefined;
      build.push(time(() => (index = new HostSearchIndex(list))));
      for (const q of QUERIES) {
        search.push(time(() => (hits += (index as HostSearchIndex).search(q).length)));
        naive.push(time(() => {
          const t = q.toLowerCase();
          hits += list.filter((h) => h.name.toLowerCase().includes(t) || h.address.includes(t) || h.tags.some((x) => x.toLowerCase().includes(t)) || h.folder.join('/').toLowerCase().includes(t)).length;
        }));
      }
      s.close();
    }
    // Saves in a phase of their own: their garbage would otherwise be
    // collected during the next run's load and blur both numbers.
    const writer = AddressBookStore.open({ dataDir: dir });
    const list = writer.listHosts();
    const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    for (let r = 0; r < WARMUP + RUNS; r++) {
      if (r === WARMUP) for (const a of [save, rawWrite]) a.length = 0;
      const one = list[r % list.length] as (typeof list)[number];
      save.push(time(() => {
        writer.saveHost({ ...one, notes: `edited in run ${r}` });
        writer.flush();
      }));
      rawWrite.push(time(() => {
        const fd = openSync(join(dir, 'reference.json'), 'w', 0o600);
        writeSync(fd, JSON.stringify(raw, undefined, '\t'));
        fsyncSync(fd);
        closeSync(fd);
      }));
    }
    writer.close();
    const row = (metric: string, v: number[], reference: string | null, ref: number[] | null, note: string, target = '; target < 50 ms'): Measurement => {
      const st = stats(v);
      return { metric, value: st.median, unit: 'ms', reference, referenceValue: ref ? stats(ref).median : null, note: `${note}; min ${st.min.toFixed(1)}, max ${st.max.toFixed(1)}, n=${st.samples}${target}` };
    };
    printReport(
      'store',
      `Address book, ${HOSTS} hosts (${(bytes / 1e6).toFixed(1)} MB file), median of ${RUNS} runs after ${WARMUP} warm-up runs`,
      [
        row('load_10k', load, 'json_parse', parse, 'open(): read + parse + check + validate; ref = readFileSync + JSON.parse of the same file'),
        row('validate_10k', validate, null, null, 'validateBook() on the parsed document'),
        row('search_10k', search, 'naive_filter', naive, `one query, prebuilt index, ${QUERIES.length} queries incl. typos; ref = lower-case substring filter (no typo tolerance)`),
        row('search_index_10k', build, null, null, 'building the search index (once per change)', ''),
        row('save_10k', save, 'write_fsync', rawWrite, 'one edit + flush(): whole-book check, conf atomic write (reads the file, temp, fsync, rename); ref = stringify + write + fsync of the same book in place', '; once per burst of edits (debounced)'),
      ],
      [`queries: ${QUERIES.join(' | ')}; total hits ${hits}`],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
