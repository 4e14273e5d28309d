import { defineConfig } from 'vitest/config';

/**
 * The Electron end-to-end tests (test/electron-app/): the real binary on the built app. Apart
 * from vitest.config.ts because they need the binary and a build; `npm run test:electron`
 * (scripts/test-electron.ts) runs them where the binary exists, and `npm test` says when not.
 */
export default defineConfig({
  test: {
    include: ['test/electron-app/**/*.test.ts'],
    pool: 'forks',
    // One app at a time: each starts Chromium, its demo venues and a keyring.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 240_000,
    reporters: ['default'],
  },
});
