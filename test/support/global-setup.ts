// Runs once per `vitest run`: a private folder for the run's peers, the test
// accounts, and at the end a sweep that kills any peer a crashed or timed-out
// worker left behind.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { killTree, makeRunDir, startTime } from './processes.js';
import { ensureTestUsers } from './users.js';
import { ensurePageBuilt } from '../../main/serve/build-page.js';
import { ensureServeBuilt } from './serve.js';
import { ensureDesktopBuilt, ensureStandinBuilt } from './electron-standin/launch.js';

export default async function setup(): Promise<() => void> {
  const dir = makeRunDir('hostdeck-test');
  ensureTestUsers();
  // Mutation runs (test/mutation/mutate.ts) run only tests that use no
  // bundle, in a sandbox whose sources are instrumented: nothing to build.
  if (process.env['HOSTDECK_TEST_SKIP_BUILD'] !== '1') {
    // The page is built once for every end-to-end test (serve mode would build
    // it too, but two test files building at once would race on out/).
    const root = join(import.meta.dirname, '..', '..');
    // The desktop bundles as `npm run build` makes them (electron-vite; this
    // also builds out/renderer), and the Electron stand-in that runs them.
    ensureDesktopBuilt();
    ensureStandinBuilt();
    await ensurePageBuilt(root);
    // The serve entry as `npm run serve` runs it: bundled, started by plain Node.
    ensureServeBuilt();
  }
  return () => {
    let lines: string[] = [];
    try {
      lines = readFileSync(join(dir, 'pids'), 'utf8').split('\n').filter(Boolean);
    } catch {
      // No peer was started.
    }
    for (const line of lines) {
      const [pid, started] = line.split(' ');
      // Only if it is still the same process: pids are reused, and other
      // runs share this machine.
      if (started && startTime(Number(pid)) === started) killTree(Number(pid));
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
