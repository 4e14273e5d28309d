/**
 * "Cancel my open orders when I quit", per venue: off unless chosen, kept across restarts in
 * an owner-only file of the data folder, and changed over the bridge.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../electron/app/create-app.js';
import { QUIT_SETTINGS_FILE, loadQuitSettings } from '../../electron/app/quit-settings.js';
import { Session } from '../../electron/bridge/session.js';
import { silentLogger } from '../../electron/core/log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sb-quit-'));
  dirs.push(d);
  return d;
}

describe('quit settings', () => {
  it('are off for every venue at first, and a choice made over the bridge survives a restart', async () => {
    const dir = tempDir();
    const first = await createApp({ stateDir: join(dir, 'state'), dataDir: join(dir, 'data'), log: silentLogger, connect: false });
    const s = new Session({ hub: first.hub, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 });
    expect(await s.handle('quitSettings.get', {})).toEqual({ ok: true, value: { cancelOnQuit: { tinvest: false, kraken: false } } });
    expect(await s.handle('quitSettings.set', { venue: 'kraken', cancelOnQuit: true })).toEqual({ ok: true, value: { cancelOnQuit: { tinvest: false, kraken: true } } });
    expect(await s.handle('quitSettings.set', { venue: 'kraken', cancelOnQuit: 'yes' })).toMatchObject({ ok: false, code: 'bad-request' });
    s.close();
    await first.close();

    const file = join(dir, 'data', QUIT_SETTINGS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await createApp({ stateDir: join(dir, 'state'), dataDir: join(dir, 'data'), log: silentLogger, connect: false });
    expect(again.hub.quitSettings.get()).toEqual({ tinvest: false, kraken: true });
    await again.hub.quitSettings.set('kraken', false);
    await again.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ v: 1, cancelOnQuit: { tinvest: false, kraken: false } });
  });

  it('read an unreadable file as every venue off, and leave no temporary file behind', async () => {
    const dir = tempDir();
    const file = join(dir, QUIT_SETTINGS_FILE);
    writeFileSync(file, '{"v":1,"cancelOnQuit":{"kraken":"on"}}');
    const settings = await loadQuitSettings(file);
    expect(settings.get()).toEqual({ tinvest: false, kraken: false });
    await Promise.all([settings.set('tinvest', true), settings.set('kraken', true), settings.set('tinvest', false)]);
    expect((await loadQuitSettings(file)).get()).toEqual({ tinvest: false, kraken: true });
    expect(readdirSync(dir)).toEqual([QUIT_SETTINGS_FILE]);
  });
});
