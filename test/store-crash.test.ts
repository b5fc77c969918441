// docs/SECURITY.md "Address book" 3: a kill during a write never leaves an
// unreadable file. A child rewrites the book in a tight loop and is SIGKILLed
// at a random moment, 200 times; after each kill the file must parse and hold
// one complete generation (every host tagged with the same g<N>), never older
// than the last one seen.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressBookStore } from '../main/store/address-book-store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(root, 'node_modules/.cache/hostdeck-store-test');
const child = join(cacheDir, `save-loop-${process.pid}.mjs`);
const dirs: string[] = [];
const HOSTS = 40;
const KILLS = 200;
const PARALLEL = 4;

beforeAll(async () => {
  mkdirSync(cacheDir, { recursive: true });
  // Bundled once (with conf and its dependencies) so each of the 200 children
  // starts in plain Node in tens of milliseconds instead of resolving hundreds
  // of modules through tsx.
  await build({
    entryPoints: [join(root, 'test/fixtures/store/save-loop-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: child,
    logLevel: 'silent',
    banner: {
      js: "import { createRequire as __hostdeckRequire } from 'node:module'; const require = __hostdeckRequire(import.meta.url);",
    },
  });
});

afterAll(() => {
  rmSync(child, { force: true });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function generationOf(dir: string): number {
  const doc = JSON.parse(readFileSync(join(dir, 'hostdeck.json'), 'utf8')) as { hosts: { tags: string[] }[] };
  expect(doc.hosts).toHaveLength(HOSTS);
  const tags = new Set(doc.hosts.map((h) => h.tags.join(',')));
  expect(tags.size).toBe(1);
  const [tag] = [...tags];
  return tag === 'seed' ? 0 : Number((tag as string).slice(1));
}

/** SNAP set as if started from a snap-packaged terminal: conf would then write in place (see writeAtomically). */
function runAndKill(dir: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SNAP: '/snap/inherited' },
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout.once('data', () => setTimeout(() => p.kill('SIGKILL'), delayMs));
    p.once('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${err}`)),
    );
  });
}

describe('a save loop killed at random moments', () => {
  it(`leaves a complete old or new state after each of ${KILLS} SIGKILLs`, async () => {
    let kills = 0;
    let leftovers = 0;
    const advanced: number[] = [];
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'hostdeck-crash-'));
        dirs.push(dir);
        const seed = AddressBookStore.open({ dataDir: dir });
        for (let i = 0; i < HOSTS; i++)
          seed.saveHost({
            name: `h${i}`,
            protocol: 'ssh',
            address: `h${i}.example.com`,
            port: 22,
            folder: [],
            tags: ['seed'],
            notes: 'x'.repeat(200),
          });
        seed.close();
        let last = generationOf(dir);
        for (let i = 0; i < KILLS / PARALLEL; i++) {
          await runAndKill(dir, Math.floor(Math.random() * 25));
          kills++;
          const g = generationOf(dir);
          expect(g).toBeGreaterThanOrEqual(last);
          if (g > last) advanced.push(g);
          last = g;
          if (readdirSync(dir).length > 1) leftovers++;
          const reopened = AddressBookStore.open({ dataDir: dir });
          expect(reopened.warnings).toEqual([]);
          expect(reopened.listHosts()).toHaveLength(HOSTS);
          reopened.close();
          // Temp files of writes killed before their rename are cleared on open.
          expect(readdirSync(dir)).toEqual(['hostdeck.json']);
        }
      }),
    );
    expect(kills).toBe(KILLS);
    // The kills must land during writes, not only before the first one.
    expect(advanced.length).toBeGreaterThan(10);
    // ...and some inside a write: after its temp file was made, before the
    // rename (about 40% of kills here).
    expect(leftovers).toBeGreaterThan(0);
    // 200 Node start-ups: ~10 s on an idle 2-core machine, ~25 s when it is shared.
  }, 120_000);
});
