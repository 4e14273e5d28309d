/**
 * Webhook secrets in the vault, under names of their own beside the venue credentials: only
 * ciphertext on disk, read back after a restart, removed on delete, and a damaged entry read
 * as no secret rather than echoed.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webhookSecretName, webhookVault } from '../../electron/alerts/webhook-secrets.js';
import { EncryptedFileStore, VAULT_FILE_NAME } from '../../electron/vault/encrypted-file-store.js';
import { TestCipher } from '../vault/test-cipher.js';

const ID = '3b241101-e2bb-4255-8caf-4136c566a962';
const KRAKEN = { apiKey: 'KrakenKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', apiSecret: `${'QW5v'.repeat(21)}dA==`, mode: 'live' as const };

describe('webhook secrets in the vault', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'alerts-vault-'));
    file = path.join(dir, VAULT_FILE_NAME);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps them encrypted beside venue credentials, across a restart, until deleted', async () => {
    const cipher = new TestCipher();
    const store = new EncryptedFileStore({ file, cipher, platform: 'linux' });
    await store.set('kraken', KRAKEN);
    await webhookVault(store.named).set(ID, { hmacKey: 'hmac-key-plain-text', url: 'https://api.telegram.org/bot1:tok/sendMessage' });
    const onDisk = await readFile(file, 'utf8');
    expect(onDisk).not.toContain('hmac-key-plain-text');
    expect(onDisk).not.toContain('bot1:tok');
    expect(JSON.parse(onDisk).named).toHaveProperty([webhookSecretName(ID)]);

    const restarted = new EncryptedFileStore({ file, cipher, platform: 'linux' });
    expect(await webhookVault(restarted.named).get(ID)).toEqual({ hmacKey: 'hmac-key-plain-text', url: 'https://api.telegram.org/bot1:tok/sendMessage' });
    expect(await restarted.get('kraken')).toEqual(KRAKEN);

    await webhookVault(restarted.named).delete(ID);
    expect(await webhookVault(restarted.named).get(ID)).toBeNull();
    await restarted.delete('kraken');
    // Nothing left: the file goes.
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('reads a damaged entry as no secret, without echoing it', async () => {
    const store = new EncryptedFileStore({ file, cipher: new TestCipher(), platform: 'linux' });
    await store.named.set(webhookSecretName(ID), '{"v":1,"hmacKey":5,"evil":"zzz"}');
    expect(await webhookVault(store.named).get(ID)).toBeNull();
    await store.named.set(webhookSecretName(ID), 'not json');
    expect(await webhookVault(store.named).get(ID)).toBeNull();
  });
});
