/**
 * Where venue credentials live: the OS keyring (headless) or Electron safeStorage (desktop).
 * A store either keeps secrets in the OS's protected storage or fails with a SecretStoreError
 * that tells the trader why and what to install; it never falls back to memory or a plain file.
 */
import type { VenueId } from '../../common/domain.js';
import type { CredentialsByVenue } from '../credentials.js';

export interface SecretStore {
  /** What protects the secrets, for the status panel ("secret-service", "safe-storage/keychain"…). */
  readonly backend: string;
  /** The venue's credentials, or null when none are stored. */
  get<V extends VenueId>(venue: V): Promise<CredentialsByVenue[V] | null>;
  /** Replaces whatever was stored for the venue. */
  set<V extends VenueId>(venue: V, creds: CredentialsByVenue[V]): Promise<void>;
  /** Idempotent: deleting what isn't there succeeds. */
  delete(venue: VenueId): Promise<void>;
  has(venue: VenueId): Promise<boolean>;
  /**
   * Secrets that are not a venue's credentials (webhook keys and URLs), under names of their
   * own in the same protected storage; absent on a store that keeps venue credentials only.
   */
  readonly named?: NamedSecretStore;
}

/** Plain text secrets by name ("webhook:<id>"); the same protection as the venue credentials. */
export interface NamedSecretStore {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  /** Idempotent. */
  delete(name: string): Promise<void>;
}

/** What a secret's name may be: it becomes a keyring account or a key in the vault file. */
export const SECRET_NAME = /^[\w:.-]{1,100}$/;

import { SECRET_STORE_ERROR_CODES, type SecretStoreErrorCode } from '../credential-types.js';

export { SECRET_STORE_ERROR_CODES, type SecretStoreErrorCode };

export interface SecretStoreErrorOptions {
  /** Technical reason (the keyring's own message); never contains a secret. */
  detail?: string;
  venue?: VenueId;
  /** Replaces the standard message when the case needs specifics. */
  message?: string;
  platform?: NodeJS.Platform;
  cause?: unknown;
}

export class SecretStoreError extends Error {
  override readonly name = 'SecretStoreError';
  readonly code: SecretStoreErrorCode;
  readonly detail: string | undefined;
  readonly venue: VenueId | undefined;

  constructor(code: SecretStoreErrorCode, opts: SecretStoreErrorOptions = {}) {
    const base = opts.message ?? standardMessage(code, opts.platform ?? process.platform, opts.venue);
    super(opts.detail ? `${base} (${opts.detail})` : base, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.detail = opts.detail;
    this.venue = opts.venue;
  }
}

export function isSecretStoreError(e: unknown): e is SecretStoreError {
  return e instanceof SecretStoreError;
}

const NOTHING_ELSE = 'Switchboard never keeps API keys in a plain file or in memory instead.';

function keyringName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'the macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'the system keyring (Secret Service)';
}

/** Trader-facing text: what happened, why, and what to do about it. */
export function standardMessage(code: SecretStoreErrorCode, platform: NodeJS.Platform, venue?: VenueId): string {
  const linuxLike = platform !== 'darwin' && platform !== 'win32';
  switch (code) {
    case 'no-secure-backend':
      return linuxLike
        ? 'API keys were not saved: no system keyring is available to this session, so they could only be ' +
            'obfuscated, not protected. Install and unlock GNOME Keyring (sudo apt install gnome-keyring) or ' +
            `KWallet, then restart Switchboard. ${NOTHING_ELSE}`
        : `API keys were not saved: ${keyringName(platform)} is not available to Switchboard. ${NOTHING_ELSE}`;
    case 'keyring-unavailable':
      return linuxLike
        ? 'Switchboard keeps API keys in the system keyring (Secret Service over D-Bus) and could not reach it. ' +
            'Install GNOME Keyring (sudo apt install gnome-keyring) or KWallet and run Switchboard inside a ' +
            'desktop session; on a server, start it under dbus-run-session with the keyring unlocked. ' +
            NOTHING_ELSE
        : `Switchboard keeps API keys in ${keyringName(platform)} and could not reach it. ${NOTHING_ELSE}`;
    case 'keyring-locked':
      return (
        `${capitalise(keyringName(platform))} is locked. Unlock it (log in to the desktop session, or unlock ` +
        'the login keyring in your keyring manager) and try again.'
      );
    case 'corrupt':
      return (
        `The saved ${venue === undefined ? '' : `${venue} `}credentials can't be read back: they are damaged ` +
        'or were written by another version. Delete them and enter the keys again.'
      );
    case 'backend-mismatch':
      return (
        'The saved credentials were protected by another keyring than the one this session uses, so they ' +
        "can't be decrypted. Start Switchboard in the same desktop session as before, or delete them and " +
        'enter the keys again.'
      );
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
