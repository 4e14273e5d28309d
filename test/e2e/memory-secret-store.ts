/** A secret store that keeps credentials in memory: for the e2e run only, never in the app. */
import type { VenueId } from '../../common/domain.js';
import type { CredentialsByVenue } from '../../electron/credentials.js';
import type { SecretStore } from '../../electron/vault/secret-store.js';

export class MemorySecretStore implements SecretStore {
  readonly backend = 'memory (test)';
  private readonly held = new Map<VenueId, unknown>();

  async get<V extends VenueId>(venue: V): Promise<CredentialsByVenue[V] | null> {
    return (this.held.get(venue) as CredentialsByVenue[V] | undefined) ?? null;
  }

  async set<V extends VenueId>(venue: V, creds: CredentialsByVenue[V]): Promise<void> {
    this.held.set(venue, creds);
  }

  async delete(venue: VenueId): Promise<void> {
    this.held.delete(venue);
  }

  async has(venue: VenueId): Promise<boolean> {
    return this.held.has(venue);
  }

  /** What was stored, for the test to check it arrived whole. */
  stored(venue: VenueId): unknown {
    return this.held.get(venue);
  }
}
