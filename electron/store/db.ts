/**
 * The embedded database: one SQLite file in the data folder (better-sqlite3; why in
 * ARCHITECTURE.md). Opened once by the main process, migrated to MIGRATIONS on open, in WAL
 * mode with synchronous=FULL so that a committed transaction survives a crash or power loss
 * before the call returns: the journal commits an order's intent before its first byte.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import type { Migration } from './migrations.js';

export type SqliteDb = Database.Database;

/** The file's name inside the data folder. */
export const DB_FILE = 'switchboard.db';

/** A database that can't be opened or migrated: the app says so instead of starting without one. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}

export interface OpenOptions {
  /** A file path, or ':memory:' (tests that don't need durability). */
  file: string;
  migrations?: readonly Migration[];
}

export function dbFileIn(dataDir: string): string {
  return join(dataDir, DB_FILE);
}

export function openDatabase(opts: OpenOptions): SqliteDb {
  const migrations = opts.migrations ?? MIGRATIONS;
  if (opts.file !== ':memory:') mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
  let db: SqliteDb;
  try {
    db = new Database(opts.file);
  } catch (err) {
    throw new StoreError(`cannot open the database ${opts.file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma('journal_mode = WAL');
    // FULL: in WAL mode every commit fsyncs the log, so a committed intent is on disk.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Another process holding the file (a second app on the same data folder) waits, then fails clearly.
    db.pragma('busy_timeout = 2000');
    migrate(db, migrations);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`the database ${opts.file} could not be prepared: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

export function schemaVersion(db: SqliteDb): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: SqliteDb, migrations: readonly Migration[]): void {
  const have = schemaVersion(db);
  const newest = migrations.at(-1)?.version ?? 0;
  if (have > newest) {
    throw new StoreError(`the database has schema version ${have}, newer than this app knows (${newest}); use a newer Switchboard or another data folder`);
  }
  for (const m of migrations) {
    if (m.version <= have) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
