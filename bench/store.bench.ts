// `npm run bench -- store`: the address book at 10,000 hosts (target:
// < 50 ms each for load, validate and search). References measured in the
// same run: plain JSON.parse of the same file (load, validate), a naive
// lower-case substring filter (search), and lower-casing every searched field
// once (building the search index).
//
// Import of a 10,000-host ~/.ssh/config (target < 1 s; 8,000
// blocks took 55 s before): the whole preview (read, resolve, plan) against
// one `ssh -G` of one host of the same file (OpenSSH parses the whole file
// for any one name), the read alone against a plain line split, and the
// longest the event loop waited during a preview against the whole preview
// (what it would wait if the preview did not yield).
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressBookStore } from '../main/store/address-book-store.js';
import { planImportInSlices, type ImportDraft } from '../main/store/import/import-plan.js';
import { readSshConfig } from '../main/store/import/ssh-config.js';
import { HostSearchIndex } from '../shared/model/search.js';
import { validateBook } from '../shared/model/validate.js';
import { assertMeasured, printReport, stats, type Measurement } from './report.js';

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
      address:
        i % 3 === 0
          ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
          : i % 3 === 1
            ? `${role}${i}.${site}.example.com`
            : `2001:db8::${i.toString(16)}`,
      port: vnc ? 5900 + (i % 10) : 22,
      folder: [env, site],
      tags: [role, env, ...(i % 4 === 0 ? ['critical'] : [])],
      notes: i % 5 === 0 ? `Owned by team ${i % 17}; rotate keys quarterly.` : '',
    };
    if (!vnc) host.username = i % 2 === 0 ? 'ops' : 'deploy';
    if (vnc) host.vnc = { viewOnly: false, scaling: 'scale', quality: 6, compression: 2, shared: true };
    const d: ImportDraft = { ref: `h${i}`, host, source: 'bench' };
    // Every 8th SSH host after the first hundred jumps through one of the first ones.
    if (!vnc && i >= 100 && i % 8 === 0) d.jumpRefs = [`h${(i % 90) + ((i % 90) % 10) === 9 ? 0 : i % 90}`];
    out.push(d);
  }
  return out;
}

/** A config as people write them: one block per host, a few pattern blocks, Host * last, an Include, jump hosts. */
const SSH_SITES = ['fra', 'dub', 'iad', 'nrt', 'syd'];

function sshConfig(dir: string): string {
  const sites = SSH_SITES;
  const lines = ['# generated for npm run bench -- store', `Include ${join(dir, 'conf.d')}/*.conf`, ''];
  for (let i = 0; i < HOSTS; i++) {
    const site = sites[i % sites.length] as string;
    lines.push(`Host node-${i}.${site}`);
    lines.push(
      i % 3 === 0 ? '  HostName %h.example.com' : `  HostName 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    );
    if (i % 2 === 0) lines.push(`  User ${i % 4 === 0 ? 'ops' : 'deploy'}`);
    if (i % 7 === 0) lines.push(`  Port ${2200 + (i % 50)}`);
    if (i % 5 === 0) lines.push('  IdentityFile ~/.ssh/id_%r_%h');
    if (i >= 10 && i % 10 === 0) lines.push(`  ProxyJump bastion-${site}`);
    lines.push('');
  }
  for (const site of sites)
    lines.push(
      `Host *.${site}`,
      `  User ${site}-user`,
      '',
      `Host bastion-${site}`,
      `  HostName bastion.${site}.example.com`,
      '  Port 2222',
      '',
    );
  lines.push('Host *', '  User fallback', '  IdentityFile %d/.ssh/id_ed25519', '');
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(join(dir, 'conf.d', '00-extra.conf'), 'Host extra\n  HostName extra.example.com\n');
  const path = join(dir, 'ssh_config');
  writeFileSync(path, lines.join('\n'));
  return path;
}

async function importRows(dir: string): Promise<Measurement[]> {
  const path = sshConfig(dir);
  const bytes = statSync(path).size;
  const options = { path, sshDir: join(dir, '.ssh'), homeDir: dir };
  const store = AddressBookStore.open({ dataDir: join(dir, 'import-book') });
  const preview: number[] = [];
  const read: number[] = [];
  const split: number[] = [];
  const sshG: number[] = [];
  let stall = 0;
  let added = 0;
  const runs = 7;
  for (let r = 0; r < WARMUP + runs; r++) {
    if (r === WARMUP) for (const a of [preview, read, split, sshG]) a.length = 0;
    // The longest gap between turns of the event loop while the preview runs.
    let last = performance.now();
    let running = true;
    let worst = 0;
    const tick = (): void => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const t0 = performance.now();
    const parsed = await readSshConfig(options);
    const t1 = performance.now();
    const p = await planImportInSlices(parsed.drafts, parsed.skipped, store.listHosts(), [], store.listFolders());
    const t2 = performance.now();
    running = false;
    worst = Math.max(worst, t2 - last);
    if (r >= WARMUP) stall = Math.max(stall, worst);
    preview.push(t2 - t0);
    read.push(t1 - t0);
    added = p.add.length;
    split.push(
      time(() => {
        let n = 0;
        for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim() !== '') n++;
        if (n === 0) throw new Error('empty config');
      }),
    );
    sshG.push(
      time(() =>
        execFileSync(
          'ssh',
          ['-G', '-F', path, `node-${HOSTS - 1}.${SSH_SITES[(HOSTS - 1) % SSH_SITES.length] as string}`],
          { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir } },
        ),
      ),
    );
  }
  store.close();
  // The whole book plus the jump hosts and the Include: every host must come through.
  if (added < HOSTS) throw new Error(`import_ssh_config_10k: only ${added} of ${HOSTS} hosts were imported`);
  const st = stats(preview);
  const planNote = `${added} hosts from ${(bytes / 1e6).toFixed(2)} MB; min ${st.min.toFixed(0)}, max ${st.max.toFixed(0)}, n=${st.samples}`;
  return [
    {
      metric: 'import_ssh_config_10k',
      value: st.median,
      unit: 'ms',
      reference: 'ssh_G_one_host',
      referenceValue: stats(sshG).median,
      better: 'lower',
      note: `import.preview without IPC: read + resolve every host + plan; ${planNote}; ref = one \`ssh -G\` of one host of the same file; target < 1000 ms`,
    },
    {
      metric: 'import_ssh_config_10k_read',
      value: stats(read).median,
      unit: 'ms',
      reference: 'line_split',
      referenceValue: stats(split).median,
      better: 'lower',
      note: 'readSshConfig() alone; ref = readFileSync + split + trim of the same file',
    },
    {
      metric: 'import_ssh_config_10k_stall',
      value: stall,
      unit: 'ms',
      reference: 'whole_preview',
      referenceValue: st.median,
      better: 'lower',
      note: `longest wait of the event loop during any of the ${runs} previews (they yield every ~8 ms of work); ref = the whole preview, the wait if it ran in one piece`,
    },
  ];
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
    const lowered: number[] = [];
    const save: number[] = [];
    const rawWrite: number[] = [];
    let hits = 0;
    for (let r = 0; r < WARMUP + RUNS; r++) {
      if (r === WARMUP) for (const a of [load, parse, validate, search, naive, build, lowered]) a.length = 0;
      parse.push(time(() => JSON.parse(readFileSync(path, 'utf8'))));
      let store: AddressBookStore | undefined;
      load.push(time(() => (store = AddressBookStore.open({ dataDir: dir }))));
      const s = store as AddressBookStore;
      if (s.listHosts().length !== HOSTS || s.warnings.length > 0) throw new Error('load lost hosts');
      const raw = JSON.parse(readFileSync(path, 'utf8')) as { hosts: unknown; folders: unknown };
      validate.push(
        time(() => {
          if (!validateBook(raw).ok) throw new Error('bench book invalid');
        }),
      );
      const list = s.listHosts();
      let index: HostSearchIndex | undefined;
      build.push(time(() => (index = new HostSearchIndex(list))));
      // The least an index can do: every searched field lower-cased once, per host.
      lowered.push(
        time(() => {
          const fields = list.map((h) => [h.name, h.address, ...h.tags, h.folder.join('/')].join('\n').toLowerCase());
          if (fields.length !== HOSTS) throw new Error('lost hosts');
        }),
      );
      for (const q of QUERIES) {
        search.push(time(() => (hits += (index as HostSearchIndex).search(q).length)));
        naive.push(
          time(() => {
            const t = q.toLowerCase();
            hits += list.filter(
              (h) =>
                h.name.toLowerCase().includes(t) ||
                h.address.includes(t) ||
                h.tags.some((x) => x.toLowerCase().includes(t)) ||
                h.folder.join('/').toLowerCase().includes(t),
            ).length;
          }),
        );
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
      save.push(
        time(() => {
          writer.saveHost({ ...one, notes: `edited in run ${r}` });
          writer.flush();
        }),
      );
      rawWrite.push(
        time(() => {
          const fd = openSync(join(dir, 'reference.json'), 'w', 0o600);
          writeSync(fd, JSON.stringify(raw, undefined, '\t'));
          fsyncSync(fd);
          closeSync(fd);
        }),
      );
    }
    writer.close();
    const imports = await importRows(dir);
    const row = (
      metric: string,
      v: number[],
      reference: string,
      ref: number[],
      note: string,
      target = '; target < 50 ms',
    ): Measurement => {
      const st = stats(v);
      return {
        metric,
        value: st.median,
        unit: 'ms',
        reference,
        referenceValue: stats(ref).median,
        better: 'lower',
        note: `${note}; min ${st.min.toFixed(1)}, max ${st.max.toFixed(1)}, n=${st.samples}${target}`,
      };
    };
    const rows = [
      row(
        'load_10k',
        load,
        'json_parse',
        parse,
        'open(): read + parse + check + validate; ref = readFileSync + JSON.parse of the same file',
      ),
      row(
        'validate_10k',
        validate,
        'json_parse',
        parse,
        'validateBook() on the parsed document; ref = readFileSync + JSON.parse of the same file',
      ),
      row(
        'search_10k',
        search,
        'naive_filter',
        naive,
        `one query, prebuilt index, ${QUERIES.length} queries incl. typos; ref = lower-case substring filter (no typo tolerance)`,
      ),
      row(
        'search_index_10k',
        build,
        'lowercase_fields',
        lowered,
        'building the search index (once per change); ref = lower-casing every searched field of every host once',
        '',
      ),
      row(
        'save_10k',
        save,
        'write_fsync',
        rawWrite,
        'one edit + flush(): whole-book check, conf atomic write (reads the file, temp, fsync, rename); ref = stringify + write + fsync of the same book in place',
        '; once per burst of edits (debounced)',
      ),
      ...imports,
    ];
    // A metric that could not be measured fails the run instead of printing a blank.
    assertMeasured(rows);
    printReport(
      'store',
      `Address book, ${HOSTS} hosts (${(bytes / 1e6).toFixed(1)} MB file), median of ${RUNS} runs after ${WARMUP} warm-up runs (imports: 7 runs)`,
      rows,
      [`queries: ${QUERIES.join(' | ')}; total hits ${hits}`],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
