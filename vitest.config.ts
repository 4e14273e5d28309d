import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real Electron app's tests run through vitest.electron.config.ts (npm run test:electron).
    exclude: ['test/electron-app/**', '**/node_modules/**'],
    // Integration and e2e tests start real servers and a browser: 2 cores, keep it calm.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
