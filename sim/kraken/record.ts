/**
 * The venue's own account of what happened, for tests to assert against: every order by
 * txid with its fills, every fill, the last nonce per key, and how often each error was
 * answered. Decimals are exact text at the pair's precision.
 */
import type { KrakenOrderType } from './triggers.js';
import type { LostReplyKind } from './faults.js';

export type OrderStatus = 'pending' | 'open' | 'closed' | 'canceled' | 'expired';

export interface FillRecord {
  /** Kraken trade txid (T…), the executions `exec_id`. */
  tradeId: string;
  /** Id of the public trade print it came from (executions `trade_id`). */
  publicTradeId: number;
  txid: string;
  /** REST pair id. */
  pair: string;
  side: 'buy' | 'sell';
  price: string;
  qty: string;
  /** Quote currency, at the quote asset's decimals. */
  cost: string;
  fee: string;
  liquidity: 'm' | 't';
  timeMs: number;
}

export interface OrderRecord {
  txid: string;
  clOrdId?: string;
  userref?: number;
  pair: string;
  side: 'buy' | 'sell';
  ordertype: KrakenOrderType;
  /** Limit price; absent for market orders. */
  price?: string;
  /** Trigger kinds: the price that fires it now, and when it fired. */
  triggerPrice?: string;
  triggeredMs?: number;
  volume: string;
  volExec: string;
  cost: string;
  fee: string;
  status: OrderStatus;
  /** Why it closed when not by filling: "User requested", "Post only order", "Dead man's switch"… */
  reason?: string;
  postOnly: boolean;
  timeInForce: 'GTC' | 'IOC' | 'GTD';
  source: 'rest' | 'ws';
  openMs: number;
  closeMs?: number;
  fills: FillRecord[];
}

export interface LostReply {
  kind: LostReplyKind;
  txid?: string;
}

export interface CorruptedChecksum {
  symbol: string;
  sent: number;
  correct: number;
}

export interface KrakenRecord {
  readonly orders: Map<string, OrderRecord>;
  /** Every fill of an own order, in the order they happened. */
  readonly trades: FillRecord[];
  /** apiKey → last nonce that passed authentication. */
  readonly nonces: ReadonlyMap<string, bigint>;
  /** Error string → times answered, REST and WS together. */
  readonly errors: Map<string, number>;
  readonly restErrors: Map<string, number>;
  readonly wsErrors: Map<string, number>;
  /** REST method ("AddOrder", "OHLC"…) → calls received. */
  readonly restCalls: Map<string, number>;
  readonly lostReplies: LostReply[];
  readonly corruptedChecksums: CorruptedChecksum[];
  /** Current REST call counter of a key, after decay. */
  restCounter(apiKey: string): number;
  /** Current trading counter of a pair (id, altname or v2 symbol), after decay. */
  tradingCounter(pair: string): number;
  /** Count of an error string, REST and WS together. */
  errorCount(error: string): number;
}

export function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
