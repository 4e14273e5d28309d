import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LogRecord } from '../../electron/core/log.js';
import { setLogFileLocation } from '../../electron/core/log.js';
import { toFailure } from '../../electron/bridge/errors.js';
import { startHeadless } from '../../electron/headless.js';
import type { Headless } from '../../electron/headless.js';
import { MemorySecretStore } from '../e2e/memory-secret-store.js';

let app: Headless | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  setLogFileLocation(undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('headless logging', () => {
  it('writes its JSON-lines log into <data-dir>/logs, owner-only, and names the file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-headless-log-'));
    const dataDir = path.join(dir, 'data');
    const rendererDir = path.join(dir, 'renderer');
    await mkdir(rendererDir);
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Switchboard</title>');
    app = await startHeadless({ port: 0, demo: false, rendererDir, stateDir: path.join(dir, 'state'), dataDir, secretStore: new MemorySecretStore() });
    const file = path.join(dataDir, 'logs', 'switchboard.log');
    expect(app.logFile).toBe(file);
    expect((await stat(path.join(dataDir, 'logs'))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // Error messages that send the trader to the log name this file.
    expect(toFailure(new Error('boom')).message).toBe(`internal error; see the log: ${file}`);

    // The bridge tells the page where the log is.
    const origin = `http://127.0.0.1:${app.port}`;
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/bridge?token=${app.token}`, { origin });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const answer = new Promise<string>((resolve) => {
      // Pushes (diagnostics) may come first; the answer carries our id.
      const onMessage = (d: Buffer): void => {
        const text = d.toString('utf8');
        if ((JSON.parse(text) as { id?: unknown }).id !== 1) return;
        ws.off('message', onMessage);
        resolve(text);
      };
      ws.on('message', onMessage);
    });
    ws.send(JSON.stringify({ id: 1, method: 'app.info', params: {} }));
    const info = JSON.parse(await answer) as { result: { ok: boolean; value: { logs?: { folder: string; file: string; canOpen: boolean } } } };
    ws.close();
    expect(info.result.value.logs).toEqual({ folder: path.join(dataDir, 'logs'), file, canOpen: false });

    await app.close();
    app = undefined;
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    const records = lines.map((l) => JSON.parse(l) as LogRecord);
    expect(records.find((r) => r.msg.startsWith('started'))).toMatchObject({ level: 'info', component: 'headless' });
    // The token in the page URL is a credential: it never reaches the log.
    expect(lines.join('\n')).not.toMatch(/token=(?!\[redacted\])/);
  });
});
