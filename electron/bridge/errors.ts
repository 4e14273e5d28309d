/**
 * Turning anything that went wrong into a BridgeFailure: nothing thrown ever crosses the
 * bridge (Electron would keep only its message), and unexpected errors say nothing about
 * internals to the renderer — they go to the log instead.
 */
import type { BridgeErrorCode, BridgeFailure } from '../contract.js';
import { isVenueError } from '../venues/venue.js';
import { HubError } from '../core/hub.js';
import type { Logger } from '../core/log.js';

export function failure(code: BridgeErrorCode, message: string): BridgeFailure {
  return { ok: false, code, message };
}

export function toFailure(err: unknown, log?: Logger): BridgeFailure {
  if (isVenueError(err)) {
    const out: BridgeFailure = { ok: false, code: err.kind, message: err.message, venue: { code: err.code } };
    if (err.trackingId !== undefined && out.venue) out.venue.trackingId = err.trackingId;
    return out;
  }
  if (err instanceof HubError) return failure(err.code, err.message);
  log?.error('handler failed', err);
  return failure('internal', 'internal error; see the app log');
}
