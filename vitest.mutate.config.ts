// vitest.config.ts for mutation runs (test/mutation/mutate.ts): the same
// config (globalSetup, pool, timeouts, inlining), with `include` narrowed to
// the area's test files. Narrowing here rather than with Stryker's
// `testFiles` keeps static mutants (module-level constants such as
// MAX_LINE_CHARS) honest: with `testFiles`, Stryker 9.6.1 activates them
// after the module has loaded, so they survive whatever the tests do
// (stryker-js #6144).
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

const files = (process.env['HOSTDECK_MUTATE_TEST_FILES'] ?? '').split(',').filter(Boolean);
if (files.length === 0)
  throw new Error('vitest.mutate.config.ts is for npm run mutate, which sets HOSTDECK_MUTATE_TEST_FILES');

export default defineConfig({ ...base, test: { ...base.test, include: files } });
