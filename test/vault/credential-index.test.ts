/**
 * The credential index: a small owner-only file of which venues have stored credentials, read
 * defensively (anything else is an empty index, logged), and kept in step by the venue modes
 * with what each store call learnt — including stored data that can't be read back.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VenueId, VenueMode } from '../../common/domain.js';
import { VenueModes } from '../../electron/app/venue-modes.js';
import { Hub } from '../../electron/core/hub.js';
import { createLogger } from '../../electron/core/log.js';
import { CREDENTIAL_INDEX_FILE, CredentialIndex } from '../../electron/vault/credential-index.js';
import { EncryptedFileStore, VAULT_FILE_NAME } from '../../electron/vault/encrypted-file-store.js';
import { MemoryVenue } from '../core/memory-venue.js';
import { TestCipher } from './test-cipher.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sb-index-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('CredentialIndex', () => {
  it('starts empty, records and forgets entries in an owner-only file', async () => {
    const index = new CredentialIndex(path.join(dir, CREDENTIAL_INDEX_FILE));
    expect(await index.read()).toEqual({});
    await index.record('kraken', { mode: 'live' });
    await index.record('tinvest', { problem: { code: 'corrupt', message: 'damaged' } });
    expect(await index.read()).toEqual({ kraken: { mode: 'live' }, tinvest: { problem: { code: 'corrupt', message: 'damaged' } } });
    expect((await stat(index.file)).mode & 0o777).toBe(0o600);
    await index.record('kraken', null);
    expect(await index.read()).toEqual({ tinvest: { problem: { code: 'corrupt', message: 'damaged' } } });
    // Nothing but the entries: no secret could be in there.
    expect(JSON.parse(await readFile(index.file, 'utf8'))).toEqual({ v: 1, venues: { tinvest: { problem: { code: 'corrupt', message: 'damaged' } } } });
  });

  it('reads anything but an index as an empty one, and says so in the log', async () => {
    const lines: string[] = [];
    const index = new CredentialIndex(path.join(dir, CREDENTIAL_INDEX_FILE), createLogger('index', (l) => lines.push(l)));
    for (const junk of ['', 'not json', '[]', '{"v":2,"venues":{}}', '{"v":1,"venues":{"kraken":{"mode":"demo"}}}', '{"v":1,"venues":{"nasdaq":{"mode":"live"}}}']) {
      await writeFile(index.file, junk);
      expect(await index.read()).toEqual({});
    }
    expect(lines.filter((l) => l.includes('not an index of stored credentials'))).toHaveLength(6);
  });
});

describe('venue modes with the index', () => {
  async function rig(cipher: TestCipher) {
    const hub = new Hub();
    const modes = new VenueModes({
      hub,
      store: new EncryptedFileStore({ file: path.join(dir, VAULT_FILE_NAME), cipher, platform: 'linux' }),
      index: new CredentialIndex(path.join(dir, CREDENTIAL_INDEX_FILE)),
      build: (venue: VenueId, mode: VenueMode) => (sink) => new MemoryVenue(sink, { id: venue, mode }),
    });
    await modes.setup(new Map<VenueId, VenueMode>([['tinvest', 'demo']]));
    return { hub, modes };
  }

  it('reports stored data that could not be read back, learnt on the switch that read it, until it is deleted', async () => {
    const { hub, modes } = await rig(new TestCipher());
    await writeFile(path.join(dir, VAULT_FILE_NAME), '{"v":1,"backend":"gnome_libsecret","entries":{"tinvest":"AAAA"}}');
    // The index knows nothing of keys it did not see stored: the status says none, without reading.
    expect((await modes.status()).venues[0]).toEqual({ venue: 'tinvest', stored: false });
    await expect(modes.connect('tinvest', 'sandbox')).rejects.toMatchObject({ code: 'corrupt' });
    expect((await modes.status()).venues[0]).toMatchObject({ venue: 'tinvest', stored: true, problem: { code: 'corrupt' } });
    await modes.deleteCredentials('tinvest');
    expect((await modes.status()).venues[0]).toEqual({ venue: 'tinvest', stored: false });
    await hub.close();
  });
});
