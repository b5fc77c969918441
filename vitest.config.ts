import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Real peers (sshd, Xvnc, Chromium) take seconds to start on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // electron-store imports electron; inlining it lets the one allowed mock
    // (test/support/fake-electron.ts) stand in, instead of the real module
    // trying to download its binary.
    server: { deps: { inline: ['electron-store'] } },
  },
});
