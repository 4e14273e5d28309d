import { defineConfig } from 'vitest/config';

/** Rebuilds dist/ and renderer/dist/ that the e2e tests serve: it runs alone, after them. */
const RELEASE_TREE = 'test/build/release-tree.test.ts';

export default defineConfig({
  test: {
    // Integration and e2e tests start real servers and a browser: 2 cores, keep it calm.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      // The real Electron app's tests run through vitest.electron.config.ts (npm run test:electron).
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [RELEASE_TREE, 'test/electron-app/**', '**/node_modules/**'] } },
      // A later group starts only once every earlier one has finished.
      { extends: true, test: { name: 'release', include: [RELEASE_TREE], sequence: { groupOrder: 1 } } },
    ],
  },
});
