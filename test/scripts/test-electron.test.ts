import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_RUN_PREFIX, notRunLine } from '../../scripts/test-electron.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs scripts/test-electron.ts where no binary can be found whatever this machine has:
 * ELECTRON_OVERRIDE_DIST_PATH names an empty folder, and it wins over node_modules/electron.
 */
function runScript(args: string[], distPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', loader, path.join(ROOT, 'scripts', 'test-electron.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: distPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run test:electron without the Electron binary', () => {
  let empty: string;

  beforeAll(async () => {
    empty = await mkdtemp(path.join(os.tmpdir(), 'sb-no-electron-'));
  });

  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
  });

  it('prints exactly one line saying the tests were not run and why, and fails when asked for directly', async () => {
    const r = await runScript([], empty);
    expect(r.stdout).toBe(`${notRunLine({ ELECTRON_OVERRIDE_DIST_PATH: empty })}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  }, 60_000);

  it('prints the same one line and lets npm test go on when called from it', async () => {
    const r = await runScript(['--from-npm-test'], empty);
    expect(r.stdout).toBe(`${notRunLine({ ELECTRON_OVERRIDE_DIST_PATH: empty })}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);

  it('says where it looked: the package folder, or the override', () => {
    expect(notRunLine({})).toBe(
      'Electron end-to-end tests not run: the Electron binary is not installed (node_modules/electron/dist is missing; it cannot be downloaded offline). Run `npm run test:electron` on a machine with the binary.',
    );
    const line = notRunLine({ ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' });
    expect(line.startsWith(NOT_RUN_PREFIX)).toBe(true);
    expect(line).toContain('ELECTRON_OVERRIDE_DIST_PATH (/opt/electron) holds no Electron binary');
    expect(line).not.toContain('\n');
  });
});
