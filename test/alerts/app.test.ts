/**
 * The composition root opens alerts on the app's database and vault: a rule and a webhook made
 * in one run are there in the next run on the same data folder, and a signing secret needs a
 * vault (an app built without one refuses it, typed, rather than keep it anywhere else).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../electron/app/create-app.js';
import { silentLogger } from '../../electron/core/log.js';
import { EncryptedFileStore } from '../../electron/vault/encrypted-file-store.js';
import { TestCipher } from '../vault/test-cipher.js';

describe('alerts in the app', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'alerts-app-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps rules and webhooks across a restart on the same data folder, the secret in the vault', async () => {
    const cipher = new TestCipher();
    const vault = () => new EncryptedFileStore({ file: path.join(dir, 'vault.json'), cipher, platform: 'linux' });
    const opts = { stateDir: path.join(dir, 'state'), dataDir: path.join(dir, 'data'), log: silentLogger, connect: false };
    const first = await createApp({ ...opts, secretStore: vault() });
    if (!first.alerts) throw new Error('no alerts');
    const hook = await first.alerts.saveWebhook({ name: 'ops', preset: 'generic', url: 'http://127.0.0.1:9/hook', secret: 'app-signing-key' });
    const rule = first.alerts.create({ kind: 'order', events: ['fill'], channels: { os: true, webhooks: [hook.id] } });
    await first.close();

    const second = await createApp({ ...opts, secretStore: vault() });
    expect(second.alerts?.list()).toEqual([rule]);
    expect(second.alerts?.webhooks()).toEqual([hook]);
    expect(await vault().named.get(`webhook:${hook.id}`)).toContain('app-signing-key');
    await second.close();
  });

  it('refuses a signing secret when the app has no vault', async () => {
    const app = await createApp({ stateDir: path.join(dir, 'state'), log: silentLogger, connect: false });
    await expect(app.alerts?.saveWebhook({ name: 'ops', preset: 'generic', url: 'http://127.0.0.1:9/hook', secret: 'k' })).rejects.toThrow(/without a vault/);
    expect(app.alerts?.webhooks()).toEqual([]);
    await app.close();
  });
});
