/**
 * `npm run build:main`: bundles the Electron side with esbuild into dist/electron/ — main as
 * ESM with npm packages left external (they ship in node_modules), the preload as one
 * CommonJS file, because a sandboxed preload can require nothing but `electron`.
 */
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function mainBuildOptions(root = ROOT): BuildOptions {
  return {
    entryPoints: [path.join(root, 'electron', 'main.ts')],
    outfile: path.join(root, 'dist', 'electron', 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  };
}

export function preloadBuildOptions(root = ROOT): BuildOptions {
  return {
    entryPoints: [path.join(root, 'electron', 'preload.ts')],
    outfile: path.join(root, 'dist', 'electron', 'preload.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    external: ['electron'],
    sourcemap: 'inline',
    logLevel: 'warning',
  };
}

export async function buildMain(root = ROOT): Promise<void> {
  await Promise.all([build(mainBuildOptions(root)), build(preloadBuildOptions(root))]);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildMain().catch((err: unknown) => {
    process.stderr.write(`build:main failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
