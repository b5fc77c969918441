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
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
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
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const loadNow = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
if (names.length === 1) {
  const name = names[0] as string;
  const file = join(here, `${name}.bench.ts`);
  console.log(`\n== bench ${name}: started ${new Date().toISOString()}, load average ${loadNow()}`);
  const mod = (await import(pathToFileURL(file).href)) as { main?: (args: string[]) => Promise<void> };
  if (typeof mod.main !== 'function') throw new Error(`${file} exports no main()`);
  // A bench that throws (a figure it could not measure) ends this process non-zero.
  await mod.main(process.argv.slice(2));
} else if (names.length > 1) {
  // Each bench in a Node process of its own, as when it runs alone. In one
  // process the later benches inherited the earlier ones' run folder variable
  // and memory high-water mark (slow_reader_rss_growth read 36 MiB alone and
  // 1.3 MiB after four other benches, gc() or not). A failed bench does not
  // stop the others; the run exits 1 naming it.
  const failed: string[] = [];
  for (const name of names) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, name, ...flags], {
      stdio: 'inherit',
    });
    if (r.status !== 0) {
      console.error(`bench ${name} FAILED (exit ${r.status ?? r.signal})`);
      failed.push(name);
    }
  }
  console.log(
    `\n== ${names.length} benches done ${new Date().toISOString()}, load average ${loadNow()}${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`,
  );
  if (failed.length > 0) process.exit(1);
} else {
  console.log('No benchmarks yet.');
}
