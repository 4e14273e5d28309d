/**
 * Credentials as stored text: a small versioned JSON envelope, checked with zod on the way
 * back. Reading never crashes and never echoes what it read: JSON.parse and zod messages can
 * quote their input, and the input is a secret, so errors name only fields and rule codes.
 */
import { z } from 'zod';
import type { VenueId } from '../../common/domain.js';
import { credentialSchemas, type CredentialsByVenue } from '../credentials.js';
import { SecretStoreError } from './secret-store.js';

const FORMAT = 1;

const envelopeSchema = z.object({ v: z.literal(FORMAT), venue: z.string(), credentials: z.unknown() }).strict();

/** Field paths and rule codes of a zod failure; never the values. */
function issueSummary(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.code}`).join(', ');
}

export function encodeCredentials<V extends VenueId>(venue: V, creds: CredentialsByVenue[V]): string {
  const parsed = credentialSchemas[venue].safeParse(creds);
  // The bridge validates first, so this is a caller's bug; say where, not what.
  if (!parsed.success) throw new TypeError(`invalid ${venue} credentials: ${issueSummary(parsed.error)}`);
  return JSON.stringify({ v: FORMAT, venue, credentials: parsed.data });
}

export function decodeCredentials<V extends VenueId>(venue: V, text: string): CredentialsByVenue[V] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SecretStoreError('corrupt', { venue, detail: 'not JSON' });
  }
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw new SecretStoreError('corrupt', { venue, detail: `envelope ${issueSummary(envelope.error)}` });
  if (envelope.data.venue !== venue) throw new SecretStoreError('corrupt', { venue, detail: 'stored for another venue' });
  const creds = credentialSchemas[venue].safeParse(envelope.data.credentials);
  if (!creds.success) throw new SecretStoreError('corrupt', { venue, detail: issueSummary(creds.error) });
  return creds.data;
}
