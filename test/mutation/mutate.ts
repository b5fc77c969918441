// `npm run mutate -- <area>`: StrykerJS mutation testing of the security
// modules, one area at a time, outside CI (it takes minutes, not seconds).
// Each area names the code to mutate and the test files that guard it, so a
// run starts only the tests that matter. Reports go to reports/mutation/,
// sandboxes to .stryker-tmp/ (both gitignored).
//
//   npm run mutate -- gateway            # one area
//   npm run mutate -- all                # every area, one after another
//   npm run mutate -- csp --concurrency=1
//
// Areas: gateway (or its halves gateway-checks and gateway-session),
// known-hosts, csp, ipc, paths. Line ranges keep an area to
// its checks (the IPC sender check, not the event forwarding next to it).
import { Stryker } from '@stryker-mutator/core';
import type { PartialStrykerOptions } from '@stryker-mutator/api/core';

interface Area {
  mutate: string[];
  testFiles: string[];
  /** Added to a test's dry-run time before a mutant counts as a hang (default 10 s). */
  timeoutMS?: number;
}

const AREAS: Record<string, Area> = {
  // gateway.test.ts alone: serve-server.test.ts (the other user of
  // loopback-guard.ts) starts Chromium, which doubled the run. Many gateway
  // mutants leave a socket test waiting for a close, so hangs are cut sooner.
  gateway: {
    mutate: [
      'main/gateway/gateway.ts',
      'main/gateway/session.ts',
      'main/gateway/ticket-book.ts',
      'main/gateway/loopback-guard.ts',
    ],
    testFiles: ['test/gateway.test.ts'],
    timeoutMS: 5_000,
  },
  // The gateway in two halves, for shorter runs: its checks (Host, Origin,
  // tickets, options, refusals), and Session, whose mutants mostly leave
  // long socket tests running (about an hour on two busy cores).
  'gateway-checks': {
    mutate: ['main/gateway/gateway.ts', 'main/gateway/ticket-book.ts', 'main/gateway/loopback-guard.ts'],
    testFiles: ['test/gateway.test.ts'],
    timeoutMS: 5_000,
  },
  'gateway-session': {
    mutate: ['main/gateway/session.ts'],
    testFiles: ['test/gateway.test.ts'],
    timeoutMS: 5_000,
  },
  'known-hosts': {
    mutate: ['main/ssh/known-hosts.ts'],
    testFiles: ['test/known-hosts.test.ts'],
  },
  csp: {
    mutate: ['shared/csp.ts'],
    testFiles: ['test/electron-shell.test.ts', 'test/serve-server.test.ts'],
  },
  // isTrustedFrame and the handler that applies it.
  ipc: {
    mutate: ['main/app/ipc.ts:11-34'],
    testFiles: ['test/electron-shell.test.ts'],
  },
  // StaticFiles.serve's method check, #resolve, fileUnderRoot; resolveInside.
  paths: {
    mutate: ['main/serve/static-files.ts:39-42', 'main/serve/static-files.ts:63-99', 'main/app/protocol.ts:42-51'],
    testFiles: ['test/serve-server.test.ts', 'test/electron-shell.test.ts'],
  },
};

function usage(): never {
  console.error(`usage: npm run mutate -- <${[...Object.keys(AREAS), 'all'].join('|')}> [--concurrency=N]`);
  process.exit(2);
}

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('--'));
const concurrencyArg = args.find((a) => a.startsWith('--concurrency='));
// Two cores, shared with other work: two test workers at most by default.
const concurrency = concurrencyArg ? Number(concurrencyArg.split('=')[1]) : 2;
if (names.length !== 1 || !Number.isInteger(concurrency) || concurrency < 1) usage();
// 'all' is every area once: the gateway whole, not its halves again.
const wanted = names[0] === 'all' ? Object.keys(AREAS).filter((n) => !n.startsWith('gateway-')) : [names[0] as string];
if (wanted.some((n) => !(n in AREAS))) usage();

// test/support/global-setup.ts builds the desktop, stand-in, page and serve
// bundles for end-to-end tests. No area's tests use them, and in Stryker's
// sandbox they would be rebuilt from instrumented sources, so it skips them.
process.env['HOSTDECK_TEST_SKIP_BUILD'] = '1';

const summary: string[] = [];
for (const name of wanted) {
  const area = AREAS[name] as Area;
  const options: PartialStrykerOptions = {
    testRunner: 'vitest',
    // The project's own config (its globalSetup: run folder, test accounts,
    // the sweep of leftover peers; timeouts; electron-store inlining), with
    // only the area's test files included (see vitest.mutate.config.ts).
    vitest: { configFile: 'vitest.mutate.config.ts', related: false },
    mutate: area.mutate,
    coverageAnalysis: 'perTest',
    concurrency,
    // Tests on real sockets: a mutant that hangs one waits this long past
    // the test's time in the dry run before it counts as a timeout.
    timeoutMS: area.timeoutMS ?? 10_000,
    tempDirName: '.stryker-tmp',
    ignorePatterns: ['out', 'dist', 'test-artifacts', 'bench-results', 'reports', '.scratch', '.vite'],
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    thresholds: { high: 90, low: 75, break: null },
  };
  process.env['HOSTDECK_MUTATE_TEST_FILES'] = area.testFiles.join(',');
  const started = Date.now();
  const results = await new Stryker(options).runMutationTest();
  const seconds = Math.round((Date.now() - started) / 1000);
  const count = (...statuses: string[]): number => results.filter((r) => statuses.includes(r.status)).length;
  const killed = count('Killed', 'Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const detectable = killed + survived + noCoverage;
  const score = detectable === 0 ? 100 : (100 * killed) / detectable;
  summary.push(
    `${name}: score ${score.toFixed(2)}% (killed ${killed}, survived ${survived}, no coverage ${noCoverage}, errors ${count('CompileError', 'RuntimeError')}) in ${seconds} s`,
  );
}
console.log(`\nmutation score by area:\n${summary.map((l) => `  ${l}`).join('\n')}`);
