/**
 * The headless app's access token and port across restarts: the token is kept owner-only in
 * the data folder and taken again, replaced on --new-token or when the file holds anything
 * else; a taken port fails in one line that names the port and the flag.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/core/log.js';
import { TOKEN_FILE_NAME, keptToken } from '../../electron/bridge/token-file.js';
import { ROOT_DIR, startHeadless } from '../../electron/headless.js';
import type { Headless } from '../../electron/headless.js';
import { MemorySecretStore } from '../e2e/memory-secret-store.js';

let app: Headless | undefined;
let dir: string;
afterEach(async () => {
  await app?.close();
  app = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(dataDir: string, extra: { newToken?: boolean; port?: number } = {}): Promise<Headless> {
  const rendererDir = path.join(dir, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Switchboard</title>');
  return startHeadless({ port: 0, ...extra, demo: false, rendererDir, stateDir: path.join(dir, 'state'), dataDir, secretStore: new MemorySecretStore() });
}

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe('the headless access token', () => {
  it('is written owner-only on the first start, taken again on the next, and replaced by --new-token', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-token-'));
    const dataDir = path.join(dir, 'data');
    app = await start(dataDir);
    const first = app.token;
    const file = path.join(dataDir, TOKEN_FILE_NAME);
    expect(await readFile(file, 'utf8')).toBe(`${first}\n`);
    expect(await modeOf(file)).toBe(0o600);
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(app.url).toContain(`token=${first}`);
    await app.close();

    app = await start(dataDir);
    expect(app.token).toBe(first);
    await app.close();

    app = await start(dataDir, { newToken: true });
    expect(app.token).not.toBe(first);
    expect(app.token).toMatch(/^[\w-]{43}$/);
    expect(await readFile(file, 'utf8')).toBe(`${app.token}\n`);
    expect(await modeOf(file)).toBe(0o600);
  });

  it('replaces a file that holds no token, says so in the log, and makes a readable one owner-only', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-token-'));
    const file = path.join(dir, TOKEN_FILE_NAME);
    const lines: string[] = [];
    const log = createLogger('token', (line) => lines.push(line));
    for (const junk of ['', 'short', `${'A'.repeat(43)}!`, '{"token":"x"}', 'é'.repeat(43)]) {
      await writeFile(file, junk);
      const kept = await keptToken({ dataDir: dir, log });
      expect(kept.fresh).toBe('malformed');
      expect(kept.token).toMatch(/^[\w-]{43}$/);
      expect(await readFile(file, 'utf8')).toBe(`${kept.token}\n`);
    }
    expect(lines.filter((l) => l.includes('does not hold a token'))).toHaveLength(5);
    // Nothing of what was read or written reaches the log.
    expect(lines.join('\n')).not.toContain('A'.repeat(43));

    const good = 'b'.repeat(43);
    await writeFile(file, `${good}\n`);
    await chmod(file, 0o644);
    const kept = await keptToken({ dataDir: dir, log });
    expect(kept).toEqual({ token: good, file });
    expect(await modeOf(file)).toBe(0o600);
    expect(lines.some((l) => l.includes('was readable by others'))).toBe(true);
  });
});

describe('the headless port', () => {
  it('fails in one line naming the taken port and the --port flag, with a non-zero exit and nothing on stdout', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-port-'));
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'electron/headless.ts', '--port', String(port), '--data-dir', path.join(dir, 'data')], {
        cwd: ROOT_DIR,
        env: { ...process.env, NODE_ENV: 'production' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(stdout).toBe('');
      // One line (the log goes to its file in production), no stack.
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(lines[0]).toContain('--port');
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 120_000);
});
