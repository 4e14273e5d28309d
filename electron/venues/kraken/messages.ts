/**
 * WS v2 frames as our reader sees them (doc §4). Kraken sends prices and quantities as
 * JSON numbers whose text carries the exact precision; `readFrame` (parse.ts) hands every
 * decimal over as that exact text (`Num`). Integers (counts, ids, checksums) may come as
 * either a number or its text (`Int`): read them with Number().
 */

/** A JSON number kept as the text the venue wrote ("45281.0", "0.10000000"). */
export type Num = string;

/** An integer field: a JS number or its exact text. */
export type Int = number | string;

export interface WsRequest {
  method: string;
  params?: Record<string, unknown>;
  req_id?: number;
}

/** Reply to a method: `error` is one string in WS (an array in REST). */
export interface WsResponse {
  method: string;
  success?: boolean;
  error?: string;
  result?: Record<string, unknown>;
  req_id?: Int;
  time_in?: string;
  time_out?: string;
  warnings?: string[];
}

export interface WsChannelFrame<C extends string, D> {
  channel: C;
  type?: 'snapshot' | 'update';
  data: D;
  sequence?: Int;
  timestamp?: string;
}

export interface WsStatusData {
  api_version?: string;
  connection_id?: Int;
  system?: 'online' | 'cancel_only' | 'maintenance' | 'post_only';
  version?: string;
}

export interface WsBookLevel {
  price: Num;
  qty: Num;
}

export interface WsBookData {
  symbol: string;
  bids?: WsBookLevel[];
  asks?: WsBookLevel[];
  checksum: Int;
  timestamp?: string;
  /** Set by the one-pass reader (hot-frames.ts): its layout already checked every type here. */
  wellFormed?: true;
}

export interface WsOhlcData {
  symbol: string;
  open: Num;
  high: Num;
  low: Num;
  close: Num;
  trades?: Int;
  volume: Num;
  vwap?: Num;
  /** RFC3339, the candle's open. */
  interval_begin: string;
  interval: Int;
  timestamp?: string;
  /** Set by the one-pass reader (hot-frames.ts) when open…volume are already canonical decimal text. */
  canonical?: true;
}

export interface WsInstrumentPair {
  symbol: string;
  base: string;
  quote: string;
  status?: string;
  qty_precision?: Int;
  qty_increment?: Num;
  qty_min?: Num;
  price_precision?: Int;
  price_increment?: Num;
}

export interface WsInstrumentData {
  assets?: unknown[];
  pairs?: WsInstrumentPair[];
}

export interface WsFee {
  asset: string;
  qty: Num;
}

/** One executions entry: sparse, each exec_type carries only its own fields. */
export interface WsExecution {
  order_id: string;
  exec_type?: string;
  order_status?: string;
  cl_ord_id?: string;
  order_userref?: Int;
  symbol?: string;
  side?: 'buy' | 'sell';
  order_type?: string;
  order_qty?: Num;
  limit_price?: Num;
  timestamp?: string;
  cum_qty?: Num;
  cum_cost?: Num;
  avg_price?: Num;
  exec_id?: string;
  trade_id?: Int;
  last_qty?: Num;
  last_price?: Num;
  cost?: Num;
  liquidity_ind?: string;
  fees?: WsFee[];
  cancel_reason?: string;
  reason?: string;
  triggers?: WsTriggers;
  time_in_force?: string;
  expire_time?: string;
  post_only?: boolean;
  amended?: boolean;
}

/** The `triggers` object of trigger-type executions (doc §9). */
export interface WsTriggers {
  reference?: string;
  price?: Num;
  price_type?: string;
  actual_price?: Num;
  peak_price?: Num;
  last_price?: Num;
  status?: 'triggered' | 'untriggered';
  timestamp?: string;
}

export interface WsBalanceEntry {
  asset: string;
  balance?: Num;
  amount?: Num;
}

export type WsStatusFrame = WsChannelFrame<'status', WsStatusData[]>;
export type WsBookFrame = WsChannelFrame<'book', WsBookData[]>;
export type WsOhlcFrame = WsChannelFrame<'ohlc', WsOhlcData[]>;
export type WsInstrumentFrame = WsChannelFrame<'instrument', WsInstrumentData>;
export type WsExecutionsFrame = WsChannelFrame<'executions', WsExecution[]>;
export type WsBalancesFrame = WsChannelFrame<'balances', WsBalanceEntry[]>;
export type WsHeartbeatFrame = { channel: 'heartbeat' };
