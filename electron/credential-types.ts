/**
 * The shapes of credential status that cross the bridge. Node-free on purpose: the renderer's
 * type check follows the contract into this file.
 */
import type { VenueId } from '../common/domain.js';
import type { CredentialMode } from './credentials.js';

export const SECRET_STORE_ERROR_CODES = [
  /** Only obfuscation is on offer (Electron's basic_text on Linux): we refuse to store. */
  'no-secure-backend',
  /** The keyring can't be reached: no D-Bus session, no Secret Service, no keyring. */
  'keyring-unavailable',
  /** The keyring is there but locked, and unlocking was refused or timed out. */
  'keyring-locked',
  /** What came back can't be read as credentials (damaged, or another format). */
  'corrupt',
  /** The data was protected by another backend than this session's (Linux). */
  'backend-mismatch',
] as const;
export type SecretStoreErrorCode = (typeof SECRET_STORE_ERROR_CODES)[number];

export interface VenueCredentialStatus {
  venue: VenueId;
  stored: boolean;
  mode?: CredentialMode;
  /** Stored but unusable (corrupt, another backend's): what and why. */
  problem?: { code: SecretStoreErrorCode; message: string };
}

export interface CredentialStatus {
  backend: string;
  venues: VenueCredentialStatus[];
}
