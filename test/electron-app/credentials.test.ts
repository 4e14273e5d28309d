/**
 * Credentials stored through Electron's safeStorage survive a restart: Kraken live keys typed
 * into the credentials form once, the venue switched to live, the app quit and started again
 * on the same --data-dir, and Kraken connects live without the form. "Live" is a local Kraken
 * venue started here with its own keys (not the demo venue's), reached through --config.
 * On Linux safeStorage encrypts with a key kept in the Secret Service: a private bus and an
 * unlocked gnome-keyring (secret-service.ts), shared by both runs like a user's session.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VAULT_FILE_NAME } from '../../electron/vault/encrypted-file-store.js';
import { startKrakenSim, type KrakenSim } from '../../sim/kraken/server.js';
import { PATIENCE_MS, until } from '../e2e/workspace-page.js';
import { launchDesktop, type Desktop } from './electron-app.js';
import { startSecretService, type SecretService } from './secret-service.js';

/** The backend name safeStorage reports where the app pins it (Linux) or the OS has one. */
const BACKEND = process.platform === 'darwin' ? 'keychain' : process.platform === 'win32' ? 'dpapi' : 'gnome_libsecret';

describe('credentials stored through safeStorage', () => {
  let keyring: SecretService | undefined;
  let live: KrakenSim | undefined;
  let dir: string | undefined;
  let d: Desktop | undefined;

  beforeAll(async () => {
    keyring = await startSecretService();
    // Seeded apart from the app's demo venues (seed 1): its keys are not the demo keys.
    live = await startKrakenSim({ seed: 29 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'switchboard-electron-creds-'));
    await mkdir(path.join(dir, 'data'));
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ venues: { kraken: { live: { rest: live.rest, ws: live.ws, wsAuth: live.wsAuth } } } }));
  }, 60_000);

  afterAll(async () => {
    await d?.close();
    await live?.close();
    await keyring?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  const start = () => launchDesktop({ dataDir: path.join(dir!, 'data'), config: path.join(dir!, 'config.json'), env: keyring!.env });

  it('keeps Kraken live keys across a restart, and Kraken connects live without asking again', async () => {
    const sim = live!;
    d = await start();
    expect(await d.app.evaluate(({ safeStorage }) => (process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'n/a'))).toBe(
      process.platform === 'linux' ? BACKEND : 'n/a',
    );
    const { page, w } = d;
    await w.tab('Connections');
    const form = page.getByRole('form', { name: 'Kraken credentials' });
    const status = form.getByRole('status', { name: 'Kraken credentials status' });
    await expect.poll(() => status.textContent(), { timeout: PATIENCE_MS }).toMatch(/^Not stored/);
    await form.getByLabel('Kraken API key').fill(sim.apiKey);
    await form.getByLabel('Kraken API secret').fill(sim.apiSecret);
    await form.getByRole('button', { name: 'Store Kraken credentials' }).click();
    await expect.poll(() => status.textContent(), { timeout: PATIENCE_MS }).toBe(`Stored (live) in safe-storage/${BACKEND}`);
    // Encrypted at rest: the vault file holds neither key in the clear.
    const vault = await readFile(path.join(dir!, 'data', VAULT_FILE_NAME), 'utf8');
    expect(vault).not.toContain(sim.apiKey);
    expect(vault).not.toContain(sim.apiSecret);

    // Storing keys leaves the demo venue running; the trader switches Kraken to live.
    await page.getByRole('combobox', { name: 'Kraken connection mode' }).selectOption('live');
    await page.getByRole('button', { name: 'Switch Kraken to live' }).click();
    await page.getByRole('region', { name: 'Kraken venue' }).getByLabel('Mode: live').waitFor({ timeout: PATIENCE_MS });
    await expect.poll(() => page.getByRole('status', { name: 'Kraken state' }).textContent(), { timeout: PATIENCE_MS }).toBe('live');
    const signedBefore = await until('the live venue to see a signed call with the stored key', async () => sim.record.nonces.get(sim.apiKey));
    await d.close();
    d = undefined;

    // The same data folder: nothing is typed this time.
    d = await start();
    await d.w.tab('Connections');
    const again = d.page;
    await again.getByRole('region', { name: 'Kraken venue' }).getByLabel('Mode: live').waitFor({ timeout: PATIENCE_MS });
    await expect.poll(() => again.getByRole('status', { name: 'Kraken state' }).textContent(), { timeout: PATIENCE_MS }).toBe('live');
    // Signed by this run with the keys read back from safeStorage: the venue saw a newer nonce.
    await until('a signed call from the restarted app', async () => {
      const n = sim.record.nonces.get(sim.apiKey);
      return n !== undefined && n > signedBefore ? true : undefined;
    });
    await expect
      .poll(() => again.getByRole('status', { name: 'Kraken credentials status' }).textContent(), { timeout: PATIENCE_MS })
      .toBe(`Stored (live) in safe-storage/${BACKEND}`);
    expect(await again.getByLabel('Kraken API key').inputValue()).toBe('');
    expect(d.problems).toEqual([]);
  }, 360_000);
});
