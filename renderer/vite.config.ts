import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs: the same build is loaded from a file in Electron and from `/` in headless mode.
  base: './',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or styles in the output: the page runs under a strict CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
