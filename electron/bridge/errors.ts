/**
 * Turning anything that went wrong into a BridgeFailure: nothing thrown ever crosses the
 * bridge (Electron would keep only its message), and unexpected errors say nothing about
 * internals to the renderer — they go to the log instead. A venue's text is redacted on the
 * way: it may quote what the venue was sent.
 */
import type { BridgeErrorCode, BridgeFailure } from '../contract.js';
import { isVenueError } from '../venues/venue.js';
import { HubError } from '../core/hub-error.js';
import type { Logger } from '../core/log.js';
import { redact, seeTheLog } from '../core/log.js';
import { isSecretStoreError } from '../vault/secret-store.js';
import type { SecretStoreErrorCode } from '../vault/secret-store.js';

export function failure(code: BridgeErrorCode, message: string): BridgeFailure {
  return { ok: false, code, message };
}

/** Keyring trouble the trader fixes outside the app vs. stored data that can't be used. */
const STORE_CODES: Readonly<Record<SecretStoreErrorCode, BridgeErrorCode>> = {
  'no-secure-backend': 'no-secure-storage',
  'keyring-unavailable': 'no-secure-storage',
  'keyring-locked': 'no-secure-storage',
  corrupt: 'invalid',
  'backend-mismatch': 'invalid',
};

/** A failure another process already made for the bridge (a console's gateway): passed on as it is, its text redacted again. */
export class RemoteFailure extends Error {
  override readonly name = 'RemoteFailure';
  constructor(readonly failure: BridgeFailure) {
    super(failure.message);
  }
}

export function toFailure(err: unknown, log?: Logger): BridgeFailure {
  if (err instanceof RemoteFailure) return { ...err.failure, message: redact(err.failure.message) };
  if (isVenueError(err)) {
    const out: BridgeFailure = { ok: false, code: err.kind, message: redact(err.message), venue: { code: redact(err.code) } };
    if (err.trackingId !== undefined && out.venue) out.venue.trackingId = err.trackingId;
    return out;
  }
  if (err instanceof HubError) return failure(err.code, err.message);
  // The store's message is written for the trader and never holds a secret.
  if (isSecretStoreError(err)) return failure(STORE_CODES[err.code], err.message);
  log?.error('handler failed', err);
  return failure('internal', `internal error; ${seeTheLog()}`);
}
