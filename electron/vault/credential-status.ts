/**
 * What the trader may know about stored credentials: which backend, which venues have some,
 * in which mode. Never a secret, so it is safe to return across the bridge.
 */
import { VENUE_IDS } from '../../common/domain.js';
import { isSecretStoreError, type SecretStore } from './secret-store.js';
import type { CredentialStatus, VenueCredentialStatus } from '../credential-types.js';
import type { IndexEntries } from './credential-index.js';

export type { CredentialStatus, VenueCredentialStatus } from '../credential-types.js';

/**
 * Reads each venue's credentials to learn their mode. A problem with one venue's data is
 * reported for that venue; a store that can't be reached at all (unavailable, locked) throws.
 */
export async function credentialStatus(store: SecretStore): Promise<CredentialStatus> {
  const venues: VenueCredentialStatus[] = [];
  for (const venue of VENUE_IDS) {
    try {
      const creds = await store.get(venue);
      venues.push(creds === null ? { venue, stored: false } : { venue, stored: true, mode: creds.mode });
    } catch (err) {
      if (!isSecretStoreError(err) || (err.code !== 'corrupt' && err.code !== 'backend-mismatch')) throw err;
      venues.push({ venue, stored: true, problem: { code: err.code, message: err.message } });
    }
  }
  return { backend: store.backend, venues };
}

/** The same answer from the credential index, without asking the store (credential-index.ts). */
export function credentialStatusFromIndex(backend: string, entries: IndexEntries): CredentialStatus {
  const venues = VENUE_IDS.map((venue): VenueCredentialStatus => {
    const entry = entries[venue];
    if (entry === undefined) return { venue, stored: false };
    return 'mode' in entry ? { venue, stored: true, mode: entry.mode } : { venue, stored: true, problem: entry.problem };
  });
  return { backend, venues };
}
