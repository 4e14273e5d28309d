/**
 * The composition root opens the one database: in the data folder, shared with whoever needs
 * it (App.store), closed after the hub; a file it can't use leaves the app running with a
 * notice and no cache instead of refusing to start.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../electron/app/create-app.js';
import { silentLogger } from '../../electron/core/log.js';
import { DB_FILE, schemaVersion } from '../../electron/store/db.js';
import { MIGRATIONS } from '../../electron/store/migrations.js';

describe('the app and its database', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'app-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens switchboard.db in the data folder, migrated, and closes it after the hub', async () => {
    const app = await createApp({ stateDir: path.join(dir, 'state'), dataDir: path.join(dir, 'data'), log: silentLogger, connect: false });
    expect(app.storeError).toBeUndefined();
    expect(app.notices).toEqual([]);
    const store = app.store;
    if (!store) throw new Error('no store');
    expect(store.name).toBe(path.join(dir, 'data', DB_FILE));
    expect(schemaVersion(store)).toBe(MIGRATIONS.at(-1)?.version);
    await app.close();
    expect(store.open).toBe(false);
  });

  it('without a data folder keeps the database in the demo state folder', async () => {
    const app = await createApp({ stateDir: path.join(dir, 'state'), log: silentLogger, connect: false });
    expect(app.store?.name).toBe(path.join(dir, 'state', DB_FILE));
    await app.close();
  });

  it('starts without a database, and says why, when the file is newer than this app', async () => {
    const data = path.join(dir, 'data');
    await mkdir(data, { recursive: true });
    const newer = new Database(path.join(data, DB_FILE));
    newer.pragma('user_version = 999');
    newer.close();
    const app = await createApp({ stateDir: path.join(dir, 'state'), dataDir: data, log: silentLogger, connect: false });
    expect(app.store).toBeUndefined();
    expect(app.storeError?.message).toMatch(/schema version 999, newer than this app/);
    expect(app.notices).toHaveLength(1);
    expect(app.notices[0]).toMatch(/^The database could not be opened, so orders are off.*schema version 999/);
    // Orders are refused, with the reason, before anything is recorded or sent.
    await expect(app.hub.journal.place({ venue: 'tinvest', accountId: 'a', instrumentId: 'i', side: 'buy', type: 'market', quantity: '1', clientOrderId: 'c-1' })).rejects.toThrow(
      /orders are off: the order journal could not be opened/,
    );
    await app.close();
  });
});
