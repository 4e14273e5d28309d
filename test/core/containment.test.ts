import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTestRun } from '../../electron/core/crash-guard.js';

const CHILD = fileURLToPath(new URL('./containment-child.ts', import.meta.url));

/** The child's environment without vitest's markers: it runs as the app does in production. */
function productionEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'NODE_ENV') env[k] = v;
  return env;
}

function run(mode: 'guard' | 'noguard'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], { env: productionEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Bound for failure only: a hung child is killed, never waited for.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('process containment', () => {
  it('keeps the app up through throwing listeners, malformed venue events, escaped exceptions and rejections, and logs them redacted', async () => {
    const r = await run('guard');
    expect(r.code).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { alive?: boolean; batches?: number; candles?: number };
    expect(line.alive).toBe(true);
    // The session kept working: every real candle still reached the client.
    expect(line.candles).toBeGreaterThanOrEqual(5);
    expect(r.stderr).toContain('uncaught exception; contained');
    expect(r.stderr).toContain('unhandled rejection; contained');
    expect(r.stderr).toContain('listener failed on candle');
    expect(r.stderr).not.toContain('abc123SecretValue');
    expect(r.stderr).not.toContain('Kr4kenKeyThatMustNotBeLogged');
  }, 90_000);

  it('without the guard the same process dies, so the test above can fail', async () => {
    const r = await run('noguard');
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('"alive":true');
  }, 90_000);

  it('installs nothing under vitest, so an escaped error still fails the test that caused it', () => {
    expect(isTestRun()).toBe(true);
    expect(isTestRun({})).toBe(false);
    expect(isTestRun({ NODE_ENV: 'test' })).toBe(true);
  });
});
