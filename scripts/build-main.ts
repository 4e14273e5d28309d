/**
 * `npm run build:main`: bundles everything the app runs besides the renderer into dist/, so a
 * release needs no tsx, no TypeScript sources and no devDependency:
 *   dist/electron/main.js      the Electron main process (ESM)
 *   dist/electron/preload.cjs  the preload, one CommonJS file: a sandboxed preload can require only `electron`
 *   dist/electron/headless.js  the headless entry (plain Node, WebSocket bridge)
 *   dist/sim/cli.js            the local demo venues, run as a child/utility process
 * npm packages stay external: they ship in node_modules (production dependencies only).
 * The bundles are production builds: `process.env.NODE_ENV` is "production" in them, so the
 * headless entry logs to its file only (stderr is for development).
 */
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const nodeBundle = (root: string, entry: string, outfile: string): BuildOptions => ({
  entryPoints: [path.join(root, entry)],
  outfile: path.join(root, outfile),
  bundle: true,
  format: 'esm',
  platform: 'node',
  // Node 20 runs the headless bundle and the tests; Electron 45 runs Node 24.
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

export function mainBuildOptions(root = ROOT): BuildOptions {
  return nodeBundle(root, 'electron/main.ts', 'dist/electron/main.js');
}

export function headlessBuildOptions(root = ROOT): BuildOptions {
  return nodeBundle(root, 'electron/headless.ts', 'dist/electron/headless.js');
}

export function simBuildOptions(root = ROOT): BuildOptions {
  return nodeBundle(root, 'sim/cli.ts', 'dist/sim/cli.js');
}

export function preloadBuildOptions(root = ROOT): BuildOptions {
  return {
    entryPoints: [path.join(root, 'electron', 'preload.ts')],
    outfile: path.join(root, 'dist', 'electron', 'preload.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['electron'],
    sourcemap: 'inline',
    logLevel: 'warning',
  };
}

export async function buildMain(root = ROOT): Promise<void> {
  await Promise.all([mainBuildOptions, headlessBuildOptions, simBuildOptions, preloadBuildOptions].map((o) => build(o(root))));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildMain().catch((err: unknown) => {
    process.stderr.write(`build:main failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
