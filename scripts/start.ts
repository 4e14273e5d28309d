/**
 * `npm start`: the Electron app when its binary is installed, otherwise headless mode in the
 * browser. The binary is looked for on disk, never by requiring `electron` — that would try
 * to download it, which fails offline.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runHeadlessCli } from '../electron/headless.js';
import { buildMain } from './build-main.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const HEADLESS_FALLBACK_LINE = 'Electron binary not installed (offline); starting headless mode instead.';

/** Where the Electron executable is, the way the electron package itself would find it, or undefined. */
export function findElectronBinary(rootDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const pkgDir = path.join(rootDir, 'node_modules', 'electron');
  const pathFile = path.join(pkgDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const candidate = env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, executable || 'electron')
    : executable && path.join(pkgDir, 'dist', executable);
  return candidate && existsSync(candidate) ? candidate : undefined;
}

async function main(argv: string[]): Promise<void> {
  const binary = findElectronBinary(ROOT);
  if (!binary) {
    process.stdout.write(`${HEADLESS_FALLBACK_LINE}\n`);
    await runHeadlessCli(argv);
    return;
  }
  await buildMain();
  const child = spawn(binary, [ROOT, ...argv], { cwd: ROOT, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
