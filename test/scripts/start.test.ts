import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { HEADLESS_FALLBACK_LINE, findElectronBinary } from '../../scripts/start.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function fakeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sb-start-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

describe('finding the Electron binary without requiring electron', () => {
  it('finds nothing when the package never downloaded its binary', async () => {
    const dir = await fakeProject({ 'node_modules/electron/package.json': '{}' });
    expect(findElectronBinary(dir, {})).toBeUndefined();
  });

  it('finds nothing when path.txt names a file that is not there', async () => {
    const dir = await fakeProject({ 'node_modules/electron/path.txt': 'electron' });
    expect(findElectronBinary(dir, {})).toBeUndefined();
  });

  it('finds the file path.txt names under dist/', async () => {
    const dir = await fakeProject({ 'node_modules/electron/path.txt': 'electron', 'node_modules/electron/dist/electron': '' });
    expect(findElectronBinary(dir, {})).toBe(path.join(dir, 'node_modules/electron/dist/electron'));
  });

  it('looks in ELECTRON_OVERRIDE_DIST_PATH when it is set', async () => {
    const dir = await fakeProject({ 'elsewhere/electron': '' });
    expect(findElectronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: path.join(dir, 'elsewhere') })).toBe(path.join(dir, 'elsewhere/electron'));
    expect(findElectronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: path.join(dir, 'nowhere') })).toBeUndefined();
  });
});

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('npm start without the Electron binary', () => {
  it('says so in one line, then runs headless mode until SIGTERM', async () => {
    if (findElectronBinary(ROOT)) return; // a machine with the binary starts Electron instead
    const env = { ...process.env };
    delete env.ELECTRON_OVERRIDE_DIST_PATH;
    // Node with tsx's loader, not the tsx CLI: our process gets the signal itself, as on Ctrl-C.
    const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const args = ['--import', loader, path.join(ROOT, 'scripts', 'start.ts'), '--port', '0', '--seed', '4'];
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines: string[] = [];
      const urlLine = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (l) => {
          lines.push(l);
          if (l.startsWith('Switchboard headless:')) resolve(l);
        });
        void exited.then((code) => reject(new Error(`exited early (${code}): ${lines.join(' | ')}`)));
      });
      expect(lines).toEqual([HEADLESS_FALLBACK_LINE, urlLine]);
      const m = /^Switchboard headless: open (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([\w-]{43})$/.exec(urlLine);
      expect(m).not.toBeNull();
      const [, origin, port, token] = m ?? [];
      expect(await status(`${origin}/`)).toBe(403);
      expect(await status(`${origin}/?token=${token}`)).not.toBe(403);

      const ws = new WebSocket(`ws://127.0.0.1:${port}/bridge?token=${token}`, { origin });
      const answer = await new Promise<unknown>((resolve, reject) => {
        ws.on('error', reject);
        ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'venues.list', params: {} })));
        ws.on('message', (d) => {
          const msg = JSON.parse(String(d)) as { id?: number; result?: unknown };
          if (msg.id === 1) resolve(msg.result);
        });
      });
      ws.close();
      expect(answer).toMatchObject({ ok: true, value: expect.arrayContaining([expect.objectContaining({ id: 'tinvest', mode: 'demo' })]) });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 120_000);
});
