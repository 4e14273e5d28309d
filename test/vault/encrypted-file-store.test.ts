/**
 * The safeStorage vault's logic on real files. Electron can't run here, so the OS-protected
 * key is stood in for by real AES-256-GCM with keys held by the test; everything else (the
 * file, its mode, atomic replace, backend records, refusals) is the production code.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credentialStatus } from '../../electron/vault/credential-status.js';
import type { KrakenCredentials, TInvestCredentials } from '../../electron/credentials.js';
import { EncryptedFileStore, readRecordedBackend, VAULT_FILE_NAME } from '../../electron/vault/encrypted-file-store.js';
import { passwordStoreSwitch } from '../../electron/vault/password-store-switch.js';
import { SecretStoreError } from '../../electron/vault/secret-store.js';
import { TestCipher } from './test-cipher.js';

const tinvest: TInvestCredentials = { token: 't.VGVzdFRva2VuRm9yVGhlRmlsZVN0b3JlT25seV9fX19fX19fX18', mode: 'live' };
const kraken: KrakenCredentials = { apiKey: 'FileStoreApiKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', apiSecret: `${'Zm9v'.repeat(21)}YQ==`, mode: 'live' };

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-vault-'));
  file = join(dir, 'profile', VAULT_FILE_NAME);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const errorOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => null, (e: unknown) => e);

describe('EncryptedFileStore', () => {
  it('stores, reads back, and reads again from a new instance (a restart)', async () => {
    const cipher = new TestCipher();
    const store = new EncryptedFileStore({ file, cipher, platform: 'linux' });
    expect(store.backend).toBe('safe-storage/gnome_libsecret');
    expect(await store.get('kraken')).toBeNull();
    await store.set('tinvest', tinvest);
    await store.set('kraken', kraken);
    expect(await store.get('tinvest')).toEqual(tinvest);
    const restarted = new EncryptedFileStore({ file, cipher, platform: 'linux' });
    expect(await restarted.get('kraken')).toEqual(kraken);
    expect(await restarted.has('tinvest')).toBe(true);
  });

  it('writes one 0600 file that holds only ciphertext and the backend that wrote it', async () => {
    const store = new EncryptedFileStore({ file, cipher: new TestCipher(), platform: 'linux' });
    await store.set('kraken', kraken);
    await store.set('tinvest', tinvest);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    for (const secret of [kraken.apiKey, kraken.apiSecret, tinvest.token]) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({ v: 1, backend: 'gnome_libsecret' });
    // Atomic replace leaves no temporary files behind.
    expect(readdirSync(join(dir, 'profile'))).toEqual([VAULT_FILE_NAME]);
    expect(readRecordedBackend(file)).toBe('gnome_libsecret');
  });

  it('refuses to store or read under basic_text or before the backend is known, naming what to install', async () => {
    for (const backend of ['basic_text', 'unknown']) {
      const store = new EncryptedFileStore({ file, cipher: new TestCipher(backend), platform: 'linux' });
      const err = await errorOf(store.set('tinvest', tinvest));
      expect(err).toBeInstanceOf(SecretStoreError);
      expect(err).toMatchObject({ code: 'no-secure-backend' });
      expect((err as Error).message).toMatch(/gnome-keyring.*KWallet/s);
      expect((await errorOf(store.get('tinvest'))) as SecretStoreError).toMatchObject({ code: 'no-secure-backend' });
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a keyring that is selected but not running as keyring-unavailable on Linux', async () => {
    const store = new EncryptedFileStore({ file, cipher: new TestCipher('gnome_libsecret', false), platform: 'linux' });
    expect(await errorOf(store.set('tinvest', tinvest))).toMatchObject({ code: 'keyring-unavailable' });
    const mac = new EncryptedFileStore({ file, cipher: new TestCipher('keychain', false), platform: 'darwin' });
    const err = await errorOf(mac.set('tinvest', tinvest));
    expect(err).toMatchObject({ code: 'no-secure-backend' });
    expect((err as Error).message).toContain('macOS Keychain');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses data written under another backend, and lets it be deleted', async () => {
    await new EncryptedFileStore({ file, cipher: new TestCipher('kwallet5'), platform: 'linux' }).set('kraken', kraken);
    expect(passwordStoreSwitch(readRecordedBackend(file))).toBe('kwallet5');
    const other = new EncryptedFileStore({ file, cipher: new TestCipher('gnome_libsecret'), platform: 'linux' });
    const err = await errorOf(other.get('kraken'));
    expect(err).toMatchObject({ code: 'backend-mismatch', detail: 'saved under kwallet5, this session uses gnome_libsecret' });
    // Mixing backends in one file would strand the other venue: refused too.
    expect(await errorOf(other.set('tinvest', tinvest))).toMatchObject({ code: 'backend-mismatch' });
    await other.delete('kraken');
    expect(readdirSync(join(dir, 'profile'))).toEqual([]);
    await other.set('tinvest', tinvest);
    expect(readRecordedBackend(file)).toBe('gnome_libsecret');
  });

  it('re-encrypts when the OS says the key changed', async () => {
    const cipher = new TestCipher();
    const store = new EncryptedFileStore({ file, cipher, platform: 'linux' });
    await store.set('tinvest', tinvest);
    const before = readFileSync(file, 'utf8');
    cipher.rotate();
    expect(await store.get('tinvest')).toEqual(tinvest);
    const after = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, string> };
    expect(readFileSync(file, 'utf8')).not.toBe(before);
    expect(Buffer.from(after.entries['tinvest'] ?? '', 'base64')[0]).toBe(1);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('reports damage as corrupt, without quoting the file, and recovers by delete', async () => {
    const cipher = new TestCipher();
    const store = new EncryptedFileStore({ file, cipher, platform: 'linux' });
    await store.set('tinvest', tinvest);

    // Ciphertext that the key can't open (keyring reset, bytes flipped).
    const vault = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, string> };
    const blob = Buffer.from(vault.entries['tinvest'] ?? '', 'base64');
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 0xff;
    vault.entries['tinvest'] = blob.toString('base64');
    writeFileSync(file, JSON.stringify(vault));
    expect(await errorOf(store.get('tinvest'))).toMatchObject({ code: 'corrupt', venue: 'tinvest' });

    // A file that isn't the vault at all, quoting a secret.
    writeFileSync(file, `{"oops": "${tinvest.token}"`);
    const err = await errorOf(store.get('tinvest'));
    expect(err).toMatchObject({ code: 'corrupt' });
    expect((err as Error).message).not.toContain(tinvest.token);
    expect(await errorOf(store.has('tinvest'))).toMatchObject({ code: 'corrupt' });
    await store.delete('kraken');
    expect(readdirSync(join(dir, 'profile'))).toEqual([]);
  });

  it('keeps both venues when they are stored at the same time', async () => {
    const store = new EncryptedFileStore({ file, cipher: new TestCipher(), platform: 'linux' });
    await Promise.all([store.set('tinvest', tinvest), store.set('kraken', kraken), store.delete('kraken').then(() => store.set('kraken', kraken))]);
    expect(await store.get('tinvest')).toEqual(tinvest);
    expect(await store.get('kraken')).toEqual(kraken);
  });

  it('deletes idempotently, and removes the file with the last venue', async () => {
    const store = new EncryptedFileStore({ file, cipher: new TestCipher(), platform: 'linux' });
    await store.delete('tinvest');
    await store.set('tinvest', tinvest);
    await store.set('kraken', kraken);
    await store.delete('tinvest');
    expect(await store.get('tinvest')).toBeNull();
    expect(await store.get('kraken')).toEqual(kraken);
    await store.delete('kraken');
    await store.delete('kraken');
    expect(readdirSync(join(dir, 'profile'))).toEqual([]);
  });

  it('rejects invalid credentials before encrypting, naming fields but not values', async () => {
    const cipher = new TestCipher();
    const store = new EncryptedFileStore({ file, cipher, platform: 'linux' });
    const bad = { ...kraken, apiSecret: 'has spaces in it, not base64 at all' };
    const err = await errorOf(store.set('kraken', bad));
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/apiSecret/);
    expect((err as Error).message).not.toContain(bad.apiSecret);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('credentialStatus', () => {
  it('tells which venues have credentials and in which mode, never the secrets', async () => {
    const store = new EncryptedFileStore({ file, cipher: new TestCipher(), platform: 'linux' });
    await store.set('kraken', kraken);
    const status = await credentialStatus(store);
    expect(status).toEqual({
      backend: 'safe-storage/gnome_libsecret',
      venues: [
        { venue: 'tinvest', stored: false },
        { venue: 'kraken', stored: true, mode: 'live' },
      ],
    });
    expect(JSON.stringify(status)).not.toContain(kraken.apiKey);
  });

  it('reports per venue what is stored but unusable, and throws when the store is unreachable', async () => {
    await new EncryptedFileStore({ file, cipher: new TestCipher('kwallet6'), platform: 'linux' }).set('tinvest', tinvest);
    const status = await credentialStatus(new EncryptedFileStore({ file, cipher: new TestCipher(), platform: 'linux' }));
    expect(status.venues[0]).toMatchObject({ venue: 'tinvest', stored: true, problem: { code: 'backend-mismatch' } });
    expect(status.venues[1]).toEqual({ venue: 'kraken', stored: false });
    const down = new EncryptedFileStore({ file, cipher: new TestCipher('gnome_libsecret', false), platform: 'linux' });
    expect(await errorOf(credentialStatus(down))).toMatchObject({ code: 'keyring-unavailable' });
  });
});

describe('passwordStoreSwitch', () => {
  it('pins the backend that wrote the data, else GNOME libsecret; never basic', () => {
    expect(passwordStoreSwitch(null)).toBe('gnome-libsecret');
    expect(passwordStoreSwitch('gnome_libsecret')).toBe('gnome-libsecret');
    expect(passwordStoreSwitch('kwallet6')).toBe('kwallet6');
    expect(passwordStoreSwitch('basic_text')).toBe('gnome-libsecret');
  });
});
