/**
 * Which venues have credentials in the secret store, and for which mode — never a secret —
 * kept in the data folder and in step with the store by the app's venue modes (every store,
 * delete and read). With it the credentials panel and start-up answer without opening the OS
 * keyring, which may prompt, be locked, or start a daemon: the keyring is touched only to
 * store, to read for a stored mode, or to delete.
 *
 * A data folder from before the index has none: keys stored then are found again when the
 * mode chosen for their venue is read at start-up, or when they are stored again.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { VenueId } from '../../common/domain.js';
import { VENUE_IDS } from '../../common/domain.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';
import { replaceFile } from '../core/replace-file.js';
import type { CredentialMode } from '../credentials.js';
import { isSecretStoreError } from './secret-store.js';

export const CREDENTIAL_INDEX_FILE = 'stored-credentials.json';

/** Stored for a mode, or stored but unreadable when last read (what and why, for the panel). */
export type IndexEntry = { mode: CredentialMode } | { problem: { code: 'corrupt' | 'backend-mismatch'; message: string } };
export type IndexEntries = Partial<Record<VenueId, IndexEntry>>;

const entrySchema = z.union([
  z.object({ mode: z.enum(['sandbox', 'live']) }).strict(),
  z.object({ problem: z.object({ code: z.enum(['corrupt', 'backend-mismatch']), message: z.string().max(2000) }).strict() }).strict(),
]);
const fileSchema = z.object({ v: z.literal(1), venues: z.partialRecord(z.enum(VENUE_IDS), entrySchema) }).strict();

/** What a read of the store says about a venue, for the index; undefined = it says nothing (store unreachable). */
export function entryFromRead(outcome: { creds: { mode: CredentialMode } | null } | { error: unknown }): IndexEntry | null | undefined {
  if ('creds' in outcome) return outcome.creds === null ? null : { mode: outcome.creds.mode };
  const err = outcome.error;
  if (isSecretStoreError(err) && (err.code === 'corrupt' || err.code === 'backend-mismatch')) return { problem: { code: err.code, message: err.message } };
  return undefined;
}

export class CredentialIndex {
  readonly file: string;
  private readonly log: Logger;

  constructor(file: string, log: Logger = silentLogger) {
    this.file = file;
    this.log = log;
  }

  /** The entries; a missing file is an empty index, an unreadable one is logged and read as empty. */
  async read(): Promise<IndexEntries> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) this.log.warn(`ignoring ${this.file}`, err);
      return {};
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data.venues;
    } catch {
      // not JSON: said below
    }
    this.log.warn(`ignoring ${this.file}: not an index of stored credentials`);
    return {};
  }

  /** Records a venue's entry; null = nothing stored. Callers serialise their calls (VenueModes does). */
  async record(venue: VenueId, entry: IndexEntry | null): Promise<void> {
    const venues = await this.read();
    if (JSON.stringify(venues[venue] ?? null) === JSON.stringify(entry)) return;
    if (entry === null) delete venues[venue];
    else venues[venue] = entry;
    await replaceFile(this.file, `${JSON.stringify({ v: 1, venues })}\n`, 0o600);
  }
}
