/**
 * Kraken spot constants in one place: endpoints, intervals, limiter tiers. Numbers come from
 * shared/venues/kraken.md (§1–§4); check them against the live docs before release.
 */
import type { Interval } from '../../../common/domain.js';
import { EPOCH_WEEK_ANCHOR } from '../../../common/domain.js';

export const KRAKEN_REST_URL = 'https://api.kraken.com';
export const KRAKEN_WS_PUBLIC_URL = 'wss://ws.kraken.com/v2';
export const KRAKEN_WS_PRIVATE_URL = 'wss://ws-auth.kraken.com/v2';

/** The REST reference requires a User-Agent on every request. */
export const USER_AGENT = 'switchboard/0.1';

/**
 * Dead man's switch timeout on live connections (§2.4 CancelAllOrdersAfter): Kraken's own
 * pairing is a 60 s timeout refreshed every 15–30 s (DeadManSwitch refreshes every 20 s).
 */
export const DEAD_MAN_SWITCH_SEC = 60;

/** Our intervals in Kraken minutes (REST `interval`, WS ohlc `interval`). */
export const INTERVAL_MINUTES: Readonly<Record<Interval, number>> = {
  '1m': 1,
  '5m': 5,
  '15m': 15,
  '1h': 60,
  '4h': 240,
  '1d': 1440,
  '1w': 10080,
};

/**
 * Kraken's week candles (OHLC 10080) open at whole multiples of 604800 s since the epoch, i.e.
 * Thursdays 00:00 UTC, not Mondays: the venue counts 10080-minute spans from 1970-01-01. Both
 * history and the ohlc channel give those open times, and the adapter keeps only aligned ones.
 */
export const KRAKEN_WEEK_ANCHOR = EPOCH_WEEK_ANCHOR;

/** REST OHLC returns only the most recent 720 candles of an interval; older ones cannot be fetched. */
export const OHLC_MAX_ROWS = 720;

/** Book depths WS v2 accepts; the checksum always covers the top 10. */
export const BOOK_DEPTHS = [10, 25, 100, 500, 1000] as const;
export type BookDepth = (typeof BOOK_DEPTHS)[number];
export const CHECKSUM_LEVELS = 10;
/** Depths the app's book keys may take (a ladder needs no more; 500/1000 stay for tools). */
export const MARKET_BOOK_DEPTHS: readonly number[] = [10, 25, 100];

/** Verification tier: decides both counters; no response reveals it, so it is configuration. */
export const KRAKEN_TIERS = ['starter', 'intermediate', 'pro'] as const;
export type KrakenTier = (typeof KRAKEN_TIERS)[number];

export interface CounterLimit {
  max: number;
  /** Units per second the counter decays. */
  decayPerSec: number;
}

/** REST call counter per API key (everything except order entry). */
export const REST_COUNTER: Readonly<Record<KrakenTier, CounterLimit>> = {
  starter: { max: 15, decayPerSec: 0.33 },
  intermediate: { max: 20, decayPerSec: 0.5 },
  pro: { max: 20, decayPerSec: 1 },
};

/** REST methods that cost 2 on the call counter; the rest cost 1, order entry costs 0 there. */
export const REST_COST_TWO: ReadonlySet<string> = new Set(['Ledgers', 'TradesHistory', 'QueryLedgers']);
export const REST_COST_ZERO: ReadonlySet<string> = new Set([
  'AddOrder',
  'CancelOrder',
  'AmendOrder',
  'EditOrder',
  'AddOrderBatch',
  'CancelOrderBatch',
]);

/** Per-pair trading-engine counter, shared by REST, WS and FIX. */
export const TRADING_COUNTER: Readonly<Record<KrakenTier, CounterLimit>> = {
  starter: { max: 60, decayPerSec: 1 },
  intermediate: { max: 125, decayPerSec: 2.34 },
  pro: { max: 180, decayPerSec: 3.75 },
};

/** Cancel penalty by how long the order rested: [age below ms, points]; older than the last → 0. */
export const CANCEL_PENALTY: readonly (readonly [number, number])[] = [
  [5_000, 8],
  [10_000, 6],
  [15_000, 5],
  [45_000, 4],
  [90_000, 2],
  [300_000, 1],
];

/** Amend's age part (the fixed +1 is charged besides). */
export const AMEND_PENALTY: readonly (readonly [number, number])[] = [
  [5_000, 3],
  [10_000, 2],
  [15_000, 1],
];

export function agePenalty(table: readonly (readonly [number, number])[], ageMs: number): number {
  for (const [below, pts] of table) if (ageMs < below) return pts;
  return 0;
}

/** WS close code that means "do not reconnect" (policy violation). */
export const WS_CLOSE_POLICY = 1008;

/** Aliases Kraken keeps in AssetPairs names that v2 spells the common way. */
export const V2_ASSET_ALIASES: Readonly<Record<string, string>> = {
  XBT: 'BTC',
  XDG: 'DOGE',
};

export const SPOT_ACCOUNT_ID = 'spot';

/** Kraken sends a heartbeat about once a second once anything is subscribed (doc §4.2). */
export const HEARTBEAT_EVERY_MS = 1_000;
/** Silence that means a dead socket while subscribed: 2.5 heartbeats, checked every 250 ms → noticed within 3 s. */
export const SUBSCRIBED_SILENCE_MS = 2_500;
/** Before anything is subscribed only our pings draw frames: this long without one is dead. */
export const UNSUBSCRIBED_SILENCE_MS = 15_000;
/** How often the watchdog looks (bounds detection at silence + this). */
export const WATCHDOG_TICK_MS = 250;
/** A subscribe neither acked nor refused this long has failed (reported, retried later). */
export const ACK_TIMEOUT_MS = 10_000;
/** A failed subscription is asked for again after this long (unknown symbols keep failing, slowly). */
export const SUBSCRIBE_RETRY_MS = 30_000;
/** No Kraken frame we read is this large (a 1000-level book snapshot is ~60 kB); bigger is refused unread. */
export const MAX_FRAME_CHARS = 1 << 20;
/** WS v2 system values (doc §4.2). */
export const SYSTEM_STATES: ReadonlySet<string> = new Set(['online', 'cancel_only', 'maintenance', 'post_only']);
