/**
 * Credentials and venue modes over the bridge, on the real encrypted-file store (its OS key
 * stood in for by the test cipher, as in the vault tests) and in-memory venues: storing never
 * tears down a demo venue, switching uses the stored keys, the choice survives a restart, and
 * the store's refusals arrive as typed results.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VenueId, VenueMode } from '../../common/domain.js';
import type { Result, VenueSummary } from '../../electron/contract.js';
import { Hub } from '../../electron/core/hub.js';
import type { VenueFactory } from '../../electron/core/hub.js';
import { VenueModes } from '../../electron/app/venue-modes.js';
import { Session } from '../../electron/bridge/session.js';
import type { VenueCredentials } from '../../electron/credentials.js';
import { EncryptedFileStore, VAULT_FILE_NAME } from '../../electron/vault/encrypted-file-store.js';
import { standardMessage } from '../../electron/vault/secret-store.js';
import { MemoryVenue } from '../core/memory-venue.js';
import { TestCipher } from '../vault/test-cipher.js';

const TOKEN = 't.Q3JlZGVudGlhbHNCcmlkZ2VUZXN0VG9rZW5fX19fX19fX19fX19fX19fX18';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-creds-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Rig {
  hub: Hub;
  modes: VenueModes;
  session: Session;
  /** The credentials each non-demo build was made with, in order. */
  builtWith: { venue: VenueId; mode: VenueMode; creds: VenueCredentials | null }[];
}

async function rig(cipher = new TestCipher()): Promise<Rig> {
  const hub = new Hub();
  const builtWith: Rig['builtWith'] = [];
  const store = new EncryptedFileStore({ file: join(dir, VAULT_FILE_NAME), cipher, platform: 'linux' });
  const modes = new VenueModes({
    hub,
    store,
    selectionFile: join(dir, 'venue-modes.json'),
    build: (venue, mode, creds): VenueFactory | undefined => {
      if (mode !== 'demo' && creds === null) return undefined;
      if (mode !== 'demo') builtWith.push({ venue, mode, creds });
      return (sink) => new MemoryVenue(sink, { id: venue, mode });
    },
  });
  await modes.setup(new Map<VenueId, VenueMode>([['tinvest', 'demo']]));
  const session = new Session({ hub, modes, transport: 'websocket', push: () => undefined, diagnosticsMs: 0 });
  return { hub, modes, session, builtWith };
}

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return r.value as T;
}

describe('credentials over the bridge', () => {
  it('keeps a demo venue running when credentials are stored, and answers with a status only', async () => {
    const { hub, session } = await rig();
    value(await session.handle('venues.connect', { venue: 'tinvest' }));
    const r = await session.handle('credentials.store', { venue: 'tinvest', credentials: { token: TOKEN, mode: 'sandbox' } });
    expect(r).toEqual({
      ok: true,
      value: { backend: 'safe-storage/gnome_libsecret', venues: [{ venue: 'tinvest', stored: true, mode: 'sandbox' }, { venue: 'kraken', stored: false }] },
    });
    expect(hub.summary('tinvest')).toMatchObject({ mode: 'demo', state: 'live' });
  });

  it('signs in with the stored credentials on a switch, and again after a restart without asking', async () => {
    const cipher = new TestCipher();
    const first = await rig(cipher);
    value(await first.session.handle('credentials.store', { venue: 'tinvest', credentials: { token: TOKEN, mode: 'sandbox' } }));
    const switched = value<VenueSummary>(await first.session.handle('venues.connect', { venue: 'tinvest', mode: 'sandbox' }));
    expect(switched).toMatchObject({ id: 'tinvest', mode: 'sandbox', state: 'live' });
    expect(first.builtWith).toEqual([{ venue: 'tinvest', mode: 'sandbox', creds: { token: TOKEN, mode: 'sandbox' } }]);
    await first.hub.close();

    const second = await rig(cipher);
    expect(second.hub.summary('tinvest').mode).toBe('sandbox');
    expect(second.builtWith.map((b) => b.creds)).toEqual([{ token: TOKEN, mode: 'sandbox' }]);
  });

  it('refuses to switch to a mode without stored credentials for it', async () => {
    const { hub, session } = await rig();
    expect(await session.handle('venues.connect', { venue: 'tinvest', mode: 'live' })).toEqual({
      ok: false,
      code: 'invalid',
      message: 'no tinvest credentials are stored; store them before switching to live',
    });
    value(await session.handle('credentials.store', { venue: 'tinvest', credentials: { token: TOKEN, mode: 'sandbox' } }));
    expect(await session.handle('venues.connect', { venue: 'tinvest', mode: 'live' })).toMatchObject({ ok: false, code: 'invalid' });
    expect(hub.summary('tinvest').mode).toBe('demo');
  });

  it('restarts a venue running on stored credentials with newly stored ones', async () => {
    const { hub, session, builtWith } = await rig();
    value(await session.handle('credentials.store', { venue: 'tinvest', credentials: { token: TOKEN, mode: 'sandbox' } }));
    value(await session.handle('venues.connect', { venue: 'tinvest', mode: 'sandbox' }));
    const live = `${TOKEN}Live`;
    value(await session.handle('credentials.store', { venue: 'tinvest', credentials: { token: live, mode: 'live' } }));
    expect(builtWith.at(-1)).toEqual({ venue: 'tinvest', mode: 'live', creds: { token: live, mode: 'live' } });
    expect(hub.summary('tinvest').mode).toBe('live');
  });

  it('deletes credentials, disconnects the venue signed in with them and goes back to demo', async () => {
    const cipher = new TestCipher();
    const { hub, session } = await rig(cipher);
    value(await session.handle('credentials.store', { venue: 'tinvest', credentials: { token: TOKEN, mode: 'sandbox' } }));
    value(await session.handle('venues.connect', { venue: 'tinvest', mode: 'sandbox' }));
    const status = value<{ venues: unknown[] }>(await session.handle('credentials.delete', { venue: 'tinvest' }));
    expect(status.venues).toEqual([{ venue: 'tinvest', stored: false }, { venue: 'kraken', stored: false }]);
    expect(hub.summary('tinvest')).toMatchObject({ mode: 'demo', state: 'idle' });
    // Nothing remembered points at the deleted keys: a restart comes up in demo.
    await hub.close();
    const again = await rig(cipher);
    expect(again.hub.summary('tinvest').mode).toBe('demo');
  });

  it('answers no-secure-storage with the store’s own explanation when the keyring is missing', async () => {
    const { session } = await rig(new TestCipher('gnome_libsecret', false));
    expect(await session.handle('credentials.store', { venue: 'tinvest', credentials: { token: TOKEN, mode: 'sandbox' } })).toEqual({
      ok: false,
      code: 'no-secure-storage',
      message: `${standardMessage('keyring-unavailable', 'linux')} (gnome_libsecret is not available)`,
    });
    const obfuscating = await rig(new TestCipher('basic_text'));
    expect(await obfuscating.session.handle('credentials.store', { venue: 'tinvest', credentials: { token: TOKEN, mode: 'sandbox' } })).toMatchObject({
      ok: false,
      code: 'no-secure-storage',
    });
  });

  it('reports unreadable stored credentials as invalid, naming the way out', async () => {
    const { session } = await rig();
    writeFileSync(join(dir, VAULT_FILE_NAME), '{"v":1,"backend":"gnome_libsecret","entries":{"tinvest":"AAAA"}}');
    const r = await session.handle('venues.connect', { venue: 'tinvest', mode: 'sandbox' });
    expect(r).toMatchObject({ ok: false, code: 'invalid' });
    expect(r.ok ? '' : r.message).toContain('Delete them and enter the keys again');
    const status = value<{ venues: { venue: string; problem?: { code: string } }[] }>(await session.handle('credentials.status', {}));
    expect(status.venues[0]).toMatchObject({ venue: 'tinvest', stored: true, problem: { code: 'corrupt' } });
  });

  it('says there is no credential store in an app built without one', async () => {
    const hub = new Hub();
    const s = new Session({ hub, transport: 'ipc', push: () => undefined, diagnosticsMs: 0 });
    expect(await s.handle('credentials.status', {})).toEqual({ ok: false, code: 'no-secure-storage', message: 'This app was started without a credential store.' });
  });
});
