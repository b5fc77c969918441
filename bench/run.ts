// `npm run bench -- <name> [...]`: runs one benchmark (or all, in sequence) and
// prints its table followed by one JSON line per measurement (see bench/report.ts).
// Node runs with --expose-gc (package.json; re-executed here if it is missing):
// the gateway bench's slow-reader baseline collects garbage first, and without
// gc() that baseline would depend on what ran before it.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const here = dirname(self);

if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : available;
for (const name of names) {
  if (!existsSync(join(here, `${name}.bench.ts`))) {
    console.error(`No benchmark "${name}". Available: ${available.join(', ') || 'none yet'}`);
    process.exit(2);
  }
}
const failed: string[] = [];
for (const name of names) {
  const file = join(here, `${name}.bench.ts`);
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`\n== bench ${name}: started ${new Date().toISOString()}, load average ${load}`);
  process.exitCode = 0;
  try {
    const mod = (await import(pathToFileURL(file).href)) as { main?: (args: string[]) => Promise<void> };
    if (typeof mod.main !== 'function') throw new Error(`${file} exports no main()`);
    await mod.main(process.argv.slice(2));
  } catch (err) {
    // The next bench still runs (each owns its run folder and peers); the run as a whole fails.
    console.error(`bench ${name} FAILED: ${(err as Error).stack ?? String(err)}`);
    failed.push(name);
  }
  if (process.exitCode !== undefined && process.exitCode !== 0 && !failed.includes(name)) failed.push(name);
}
if (names.length === 0) console.log('No benchmarks yet.');
console.log(`\n== ${names.length} bench(es) done ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
if (failed.length > 0) process.exit(1);
