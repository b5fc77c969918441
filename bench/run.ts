// `npm run bench -- <name> [...]`: runs one benchmark (or all) and prints its
// table followed by one JSON line per measurement (see bench/report.ts).
import { pathToFileURL } from 'node:url';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : available;
for (const name of names) {
  const file = join(here, `${name}.bench.ts`);
  if (!existsSync(file)) {
    console.error(`No benchmark "${name}". Available: ${available.join(', ') || 'none yet'}`);
    process.exit(2);
  }
  const mod = (await import(pathToFileURL(file).href)) as { main?: (args: string[]) => Promise<void> };
  if (typeof mod.main !== 'function') throw new Error(`${file} exports no main()`);
  await mod.main(process.argv.slice(2));
}
if (names.length === 0) console.log('No benchmarks yet.');
