/**
 * A SecretStore that tells the log redactor about every secret passing through it, stored or
 * loaded, so the composition root can wrap any store once and forget about it.
 */
import type { VenueId } from '../../common/domain.js';
import { secretValues, type CredentialsByVenue } from '../credentials.js';
import type { Redactor } from '../core/redact.js';
import type { SecretStore } from './secret-store.js';

export function redactingStore(inner: SecretStore, redactor: Redactor): SecretStore {
  const named = inner.named;
  return {
    backend: inner.backend,
    ...(named
      ? {
          named: {
            async get(name: string): Promise<string | null> {
              const value = await named.get(name);
              if (value !== null) redactor.register(value);
              return value;
            },
            async set(name: string, value: string): Promise<void> {
              redactor.register(value);
              await named.set(name, value);
            },
            delete: (name: string) => named.delete(name),
          },
        }
      : {}),
    async get<V extends VenueId>(venue: V): Promise<CredentialsByVenue[V] | null> {
      const creds = await inner.get(venue);
      if (creds !== null) redactor.register(...secretValues(creds));
      return creds;
    },
    async set<V extends VenueId>(venue: V, creds: CredentialsByVenue[V]): Promise<void> {
      // Before the write: a failing store may log an error that carries the value.
      redactor.register(...secretValues(creds));
      await inner.set(venue, creds);
    },
    delete: (venue) => inner.delete(venue),
    has: (venue) => inner.has(venue),
  };
}
