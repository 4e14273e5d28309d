/**
 * `npm run build:main`: bundles everything the app runs besides the renderer into dist/, so a
 * release needs no tsx, no TypeScript sources and no devDependency:
 *   dist/electron/main.js      the Electron main process (ESM)
 *   dist/electron/preload.cjs  the preload, one CommonJS file: a sandboxed preload can require only `electron`
 *   dist/electron/headless.js  the headless entry (plain Node, WebSocket bridge), and its chunks headless-*.js
 *   dist/electron/gateway.js   the gateway entry (plain Node, NATS), sharing those chunks
 *   dist/sim/cli.js            the local demo venues, run as a child/utility process
 * npm packages stay external: they ship in node_modules (production dependencies only). For
 * better-sqlite3 this is a must, not a choice: its native addon (build/Release/better_sqlite3.node)
 * is compiled for the runtime that loads it and found through node_modules at run time, so no
 * bundle may inline it (electron-builder rebuilds it for Electron and unpacks it from the asar).
 * The bundles are production builds: `process.env.NODE_ENV` is "production" in them, so the
 * headless entry logs to its file only (stderr is for development).
 */
import { build } from 'esbuild';
import { readdir, rm } from 'node:fs/promises';
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

/**
 * The headless and gateway entries start the demo venues before they load the app (headless-entry.ts), so
 * they are split: headless.js imports only Node, and the app's chunks (dist/electron/headless-*.js)
 * load with their packages only when it asks.
 */
export function headlessBuildOptions(root = ROOT): BuildOptions {
  const { outfile: _single, entryPoints: _entry, ...common } = nodeBundle(root, 'electron/headless-entry.ts', 'dist/electron/headless.js');
  return {
    ...common,
    entryPoints: { headless: path.join(root, 'electron', 'headless-entry.ts'), gateway: path.join(root, 'electron', 'gateway-entry.ts') },
    outdir: path.join(root, 'dist', 'electron'),
    splitting: true,
    chunkNames: 'headless-[name]-[hash]',
  };
}

/** Chunks of an earlier headless build: their names change with their content, so old ones are removed. */
async function removeOldHeadlessChunks(root: string): Promise<void> {
  const dir = path.join(root, 'dist', 'electron');
  const names = await readdir(dir).catch(() => []);
  await Promise.all(names.filter((n) => /^headless-.*\.js(\.map)?$/.test(n)).map((n) => rm(path.join(dir, n), { force: true })));
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
  await removeOldHeadlessChunks(root);
  await Promise.all([mainBuildOptions, headlessBuildOptions, simBuildOptions, preloadBuildOptions].map((o) => build(o(root))));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildMain().catch((err: unknown) => {
    process.stderr.write(`build:main failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
