/** A memory secret store that writes down every call made to it: for tests that must see the keyring left alone. */
import type { VenueId } from '../../common/domain.js';
import type { CredentialsByVenue } from '../../electron/credentials.js';
import { MemorySecretStore } from './memory-secret-store.js';

export class RecordingSecretStore extends MemorySecretStore {
  /** "get kraken", "set tinvest"…, in order. */
  readonly calls: string[] = [];

  override get<V extends VenueId>(venue: V): Promise<CredentialsByVenue[V] | null> {
    this.calls.push(`get ${venue}`);
    return super.get(venue);
  }

  override set<V extends VenueId>(venue: V, creds: CredentialsByVenue[V]): Promise<void> {
    this.calls.push(`set ${venue}`);
    return super.set(venue, creds);
  }

  override delete(venue: VenueId): Promise<void> {
    this.calls.push(`delete ${venue}`);
    return super.delete(venue);
  }

  override has(venue: VenueId): Promise<boolean> {
    this.calls.push(`has ${venue}`);
    return super.has(venue);
  }
}
