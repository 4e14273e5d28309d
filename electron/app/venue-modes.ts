/**
 * Which build of each venue runs: the demo one against the local simulator, or the venue's
 * sandbox or live service signed in with the credentials from the secret store. Storing
 * credentials never tears down a demo venue; the trader switches a venue to the stored mode,
 * and that choice is remembered (a small file without secrets), so a restarted app connects
 * again without asking for the keys. Venue-neutral: the app says how a venue is built.
 *
 * With a credential index (vault/credential-index.ts) the status and start-up in demo mode
 * never open the secret store: it is asked only to store, to read for a stored mode (a switch,
 * a start in the mode chosen last time, a venue with no demo build), or to delete; every such
 * call keeps the index in step.
 *
 * Part of the composition root, not the core: it wires the vault (the secret store) to the
 * hub, and the core imports no vault.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { VenueId, VenueMode } from '../../common/domain.js';
import { VENUE_IDS } from '../../common/domain.js';
import type { VenueSummary } from '../core/types.js';
import type { CredentialIndex, IndexEntry } from '../vault/credential-index.js';
import { entryFromRead } from '../vault/credential-index.js';
import { credentialStatus, credentialStatusFromIndex } from '../vault/credential-status.js';
import { replaceFile } from '../core/replace-file.js';
import type { CredentialStatus } from '../credential-types.js';
import type { StoreCredentialsRequest, VenueCredentials } from '../credentials.js';
import type { SecretStore } from '../vault/secret-store.js';
import type { Hub, VenueFactory } from '../core/hub.js';
import { HubError } from '../core/hub-error.js';
import type { Logger } from '../core/log.js';
import { silentLogger } from '../core/log.js';

/**
 * Builds a venue in a mode: with `creds`, signed in with them; without, the app's own config
 * for that mode (the simulator's, for demo). Undefined when the app has no such build.
 */
export type VenueBuilder = (venue: VenueId, mode: VenueMode, creds: VenueCredentials | null) => VenueFactory | undefined;

export interface VenueModesOptions {
  hub: Hub;
  /** Wrapped by the app so every secret passing through is known to the log redactor. */
  store: SecretStore;
  build: VenueBuilder;
  /** Where the chosen mode of each venue survives restarts; absent = nothing remembered. */
  selectionFile?: string;
  /** Which venues have stored credentials; absent = the store itself is asked for the status. */
  index?: CredentialIndex;
  log?: Logger;
}

type StoredMode = Exclude<VenueMode, 'demo'>;

const selectionSchema = z
  .object({ v: z.literal(1), modes: z.partialRecord(z.enum(VENUE_IDS), z.enum(['sandbox', 'live'])) })
  .strict();
type Selection = Partial<Record<VenueId, StoredMode>>;

export class VenueModes {
  private readonly hub: Hub;
  private readonly store: SecretStore;
  private readonly build: VenueBuilder;
  private readonly file: string | undefined;
  private readonly index: CredentialIndex | undefined;
  private readonly log: Logger;
  /** Switches, stores and deletes run one at a time: each reads then changes the same state. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: VenueModesOptions) {
    this.hub = opts.hub;
    this.store = opts.store;
    this.build = opts.build;
    this.file = opts.selectionFile;
    this.index = opts.index;
    this.log = opts.log ?? silentLogger;
  }

  /**
   * Adds every venue the app can build: in the mode chosen last time when its credentials are
   * still stored, else as configured (demo), else — with nothing configured — on whatever
   * credentials are stored. The keyring is asked only in the first and last cases.
   */
  async setup(configured: ReadonlyMap<VenueId, VenueMode>): Promise<VenueId[]> {
    const selection = await this.readSelection();
    const added: VenueId[] = [];
    for (const id of VENUE_IDS) {
      const factory = await this.initialBuild(id, selection[id], configured.get(id));
      if (!factory) continue;
      try {
        await this.hub.replaceVenue(id, factory);
        added.push(id);
      } catch (err) {
        this.log.warn(`${id}: could not be built; skipping the venue`, err);
      }
    }
    return added;
  }

  /** Connects a venue; with a mode other than the running one, switches to it first. */
  async connect(id: VenueId, mode?: VenueMode): Promise<VenueSummary> {
    if (mode !== undefined && !(this.hub.has(id) && this.hub.summary(id).mode === mode)) {
      await this.exclusive(async () => {
        const creds = mode === 'demo' ? null : await this.requireStored(id, mode);
        const factory = this.build(id, mode, creds);
        if (!factory) throw new HubError('invalid', `${id} has no ${mode} mode in this app`);
        await this.hub.replaceVenue(id, factory);
        await this.remember(id, mode === 'demo' ? undefined : mode);
      });
    }
    return this.hub.connect(id);
  }

  /**
   * Stores a venue's credentials. A venue running on stored credentials (or not running at
   * all) restarts on the new ones in their mode; a demo venue keeps running.
   */
  async storeCredentials(req: StoreCredentialsRequest): Promise<CredentialStatus> {
    const id = req.venue;
    const restart = await this.exclusive(async () => {
      if (req.venue === 'tinvest') await this.store.set('tinvest', req.credentials);
      else await this.store.set('kraken', req.credentials);
      await this.note(id, { mode: req.credentials.mode });
      if (this.hub.has(id) && this.hub.summary(id).mode === 'demo') return false;
      const factory = this.build(id, req.credentials.mode, req.credentials);
      if (!factory) return false;
      await this.hub.replaceVenue(id, factory);
      await this.remember(id, req.credentials.mode);
      return true;
    });
    if (restart) {
      // In the background: the answer is about the keys; the connection reports its own state.
      this.hub.connect(id).then(
        () => this.log.info(`${id}: connected with the stored credentials`),
        (err: unknown) => this.log.warn(`${id}: connect with the stored credentials failed`, err),
      );
    }
    return this.status();
  }

  /** Deletes a venue's credentials; a venue signed in with them is disconnected and goes back to demo. */
  async deleteCredentials(id: VenueId): Promise<CredentialStatus> {
    await this.exclusive(async () => {
      await this.store.delete(id);
      await this.note(id, null);
      await this.remember(id, undefined);
      if (!this.hub.has(id) || this.hub.summary(id).mode === 'demo') return;
      const demo = this.build(id, 'demo', null);
      if (demo) await this.hub.replaceVenue(id, demo);
      else await this.hub.removeVenue(id);
    });
    return this.status();
  }

  /** From the index when there is one: the store is not opened for it. */
  async status(): Promise<CredentialStatus> {
    if (this.index) return credentialStatusFromIndex(this.store.backend, await this.index.read());
    return credentialStatus(this.store);
  }

  private async initialBuild(id: VenueId, chosen: StoredMode | undefined, configured: VenueMode | undefined): Promise<VenueFactory | undefined> {
    if (chosen !== undefined) {
      const creds = await this.storedQuietly(id);
      const factory = creds?.mode === chosen ? this.build(id, chosen, creds) : undefined;
      if (factory) return factory;
      this.log.warn(`${id}: ${chosen} was chosen last time, but no ${chosen} credentials can be read; starting ${configured ?? 'without it'}`);
    }
    if (configured !== undefined) return this.build(id, configured, null);
    const creds = await this.storedQuietly(id);
    return creds ? this.build(id, creds.mode, creds) : undefined;
  }

  /** Stored credentials, or null when there are none or the store can't give them (logged). */
  private async storedQuietly(id: VenueId): Promise<VenueCredentials | null> {
    try {
      return await this.read(id);
    } catch (err) {
      this.log.warn(`${id}: stored credentials unavailable`, err);
      return null;
    }
  }

  /** Reads the store, and tells the index what it learnt (a store it couldn't reach teaches nothing). */
  private async read(id: VenueId): Promise<VenueCredentials | null> {
    let creds: VenueCredentials | null;
    try {
      creds = await this.store.get(id);
    } catch (err) {
      const entry = entryFromRead({ error: err });
      if (entry !== undefined) await this.note(id, entry);
      throw err;
    }
    await this.note(id, entryFromRead({ creds }) ?? null);
    return creds;
  }

  /** The index follows the store; failing to write it costs only a stale status, so it is logged, not thrown. */
  private async note(id: VenueId, entry: IndexEntry | null): Promise<void> {
    try {
      await this.index?.record(id, entry);
    } catch (err) {
      this.log.error(`${id}: could not record the stored credentials in ${this.index?.file ?? 'the index'}`, err);
    }
  }

  private async requireStored(id: VenueId, mode: StoredMode): Promise<VenueCredentials> {
    const creds = await this.read(id);
    if (creds === null) throw new HubError('invalid', `no ${id} credentials are stored; store them before switching to ${mode}`);
    if (creds.mode !== mode) throw new HubError('invalid', `the stored ${id} credentials are for ${creds.mode}, not ${mode}`);
    return creds;
  }

  private async readSelection(): Promise<Selection> {
    if (this.file === undefined) return {};
    try {
      const parsed = selectionSchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      if (parsed.success) return parsed.data.modes;
      this.log.warn(`ignoring ${this.file}: not a mode selection`);
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && err.code === 'ENOENT')) this.log.warn(`ignoring ${this.file}`, err);
    }
    return {};
  }

  private async remember(id: VenueId, mode: StoredMode | undefined): Promise<void> {
    if (this.file === undefined) return;
    const modes = await this.readSelection();
    if (modes[id] === mode) return;
    if (mode === undefined) delete modes[id];
    else modes[id] = mode;
    // Replaced whole, so a crash leaves the old choice or the new one.
    await replaceFile(this.file, `${JSON.stringify({ v: 1, modes })}\n`, 0o600);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
