/**
 * The types the core owns and reports: a venue's summary, connection events, why something
 * did not happen, the cancel-all report. The bridge contract (electron/contract.ts) imports
 * and re-exports them; the core never imports the contract. Node-free: the renderer's type
 * check follows the contract here.
 */
import type { Account, StateChange, VenueId, VenueMode, Interval, OrderType, TimeInForce } from '../../common/domain.js';

export interface VenueSummary {
  id: VenueId;
  name: string;
  mode: VenueMode;
  state: StateChange['state'];
  accounts: Account[];
  intervals: readonly Interval[];
  /** Book depths the venue streams; empty = no book. */
  bookDepths: readonly number[];
  /** What the ticket may offer on this venue. */
  orderTypes: readonly OrderType[];
  timeInForce: readonly TimeInForce[];
}

export interface ConnectionEvent extends StateChange {
  venue: VenueId;
  /**
   * A connection of the venue, or "venue": the venue's overall state as the hub's one rule
   * (common/venue-state.ts) adds it up — what the renderer shows for the venue.
   */
  connection: string;
}

/** Why something did not happen, in words the trader reads (redacted venue text). */
export interface Reason {
  code: string;
  message: string;
}

export interface CancelAllResult {
  /** How many orders the venues cancelled, in all; each one also arrives as an order update. */
  cancelled: number;
  /**
   * Where cancelling failed in the end, with why; the trader must see these. `accountId` is
   * absent when the venue could not be asked at all (not connected, no order entry).
   */
  failed: ({ venue: VenueId; accountId?: string } & Reason)[];
  /** Per venue and account: what was cancelled and what was not. */
  venues: CancelAllVenueReport[];
}

export interface CancelAllVenueReport {
  venue: VenueId;
  /** Set when the venue could not be asked at all; `accounts` is then empty. */
  error?: Reason;
  accounts: CancelAllAccountReport[];
}

export interface CancelAllAccountReport {
  accountId: string;
  /** The venue confirmed the cancel-all of this account. */
  ok: boolean;
  /** Orders the venue said it cancelled. */
  cancelled: number;
  /** Requests sent, retries included (bounded: a few, within about ten seconds). */
  attempts: number;
  /** Why the last attempt failed, when `ok` is false. */
  error?: Reason;
  /**
   * When `ok` is false: orders of this account the app knows as still working (client order
   * ids) — they may be open at the venue. Empty when the cancel-all went through.
   */
  mayBeOpen: string[];
}
