/**
 * What a venue needs to sign in, per venue, with the zod schemas that check it on the way
 * in (the bridge) and on the way back out of a store (which may hold anything). Beside the
 * contract, not in the vault: the contract takes its request schema from here and the vault
 * its shapes, so the contract never imports the vault.
 */
import { z } from 'zod';
import type { VenueId } from '../common/domain.js';

// Pasted keys often carry a trailing newline; anything else that is not printable is a paste
// of the wrong thing, and would only fail later at the venue with a less helpful error.
const secretText = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, 'must be printable characters without spaces');

/** T-Invest has a real sandbox with its own tokens; demo mode talks to the simulator and needs none. */
export const tinvestCredentialsSchema = z
  .object({
    token: secretText(20, 512),
    /** The brokerage account to trade; omitted = the first one the token can see. */
    accountId: z.string().trim().min(1).max(64).regex(/^[\w-]+$/).optional(),
    mode: z.enum(['sandbox', 'live']),
  })
  .strict();

/** Kraken spot has no sandbox: stored keys are always live keys. */
export const krakenCredentialsSchema = z
  .object({
    apiKey: secretText(16, 256),
    // The private key is base64 of the HMAC-SHA512 key; checking the shape catches a swap
    // of key and secret at entry time.
    apiSecret: secretText(16, 512).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
    mode: z.enum(['live']),
  })
  .strict();

export type TInvestCredentials = z.infer<typeof tinvestCredentialsSchema>;
export type KrakenCredentials = z.infer<typeof krakenCredentialsSchema>;

export interface CredentialsByVenue {
  tinvest: TInvestCredentials;
  kraken: KrakenCredentials;
}

export type VenueCredentials = CredentialsByVenue[VenueId];
export type CredentialMode = VenueCredentials['mode'];

export const credentialSchemas: { readonly [V in VenueId]: z.ZodType<CredentialsByVenue[V]> } = {
  tinvest: tinvestCredentialsSchema,
  kraken: krakenCredentialsSchema,
};

/**
 * The request of the bridge's store-credentials method. The venue picks the schema, so
 * Kraken keys can't be stored under T-Invest by mistake.
 */
export const storeCredentialsRequestSchema = z.discriminatedUnion('venue', [
  z.object({ venue: z.literal('tinvest'), credentials: tinvestCredentialsSchema }).strict(),
  z.object({ venue: z.literal('kraken'), credentials: krakenCredentialsSchema }).strict(),
]);
export type StoreCredentialsRequest = z.infer<typeof storeCredentialsRequestSchema>;

/** The values of a credential set that must never reach a log. */
export function secretValues(creds: VenueCredentials): string[] {
  return 'token' in creds ? [creds.token] : [creds.apiKey, creds.apiSecret];
}
