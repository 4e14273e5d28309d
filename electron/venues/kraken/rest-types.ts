/**
 * Shapes of Kraken REST results we read (doc §2). Only the fields we use are typed;
 * everything is optional where the doc says it may be missing.
 */

export interface RestEnvelope<T> {
  error: string[];
  result?: T;
}

export interface RestAssetPair {
  altname: string;
  wsname?: string;
  base: string;
  quote: string;
  pair_decimals: number;
  lot_decimals: number;
  cost_decimals?: number;
  ordermin?: string;
  costmin?: string;
  tick_size?: string;
  status?: string;
}

export type RestAssetPairs = Record<string, RestAssetPair>;

/** Assets entries (doc §2.2): names only; every member untrusted. */
export interface RestAsset {
  aclass?: string;
  altname?: string;
  decimals?: number;
  display_decimals?: number;
  status?: string;
}

export type RestAssets = Record<string, RestAsset>;

/** [time, open, high, low, close, vwap, volume, count]: vwap before volume. */
export type RestOhlcRow = [number, string, string, string, string, string, string, number];

/** `{ <pairId>: rows, last }`. */
export type RestOhlc = Record<string, RestOhlcRow[] | number | string>;

export interface RestOrderDescr {
  pair: string;
  type: 'buy' | 'sell';
  ordertype: string;
  price?: string;
  price2?: string;
  order?: string;
}

export interface RestOrder {
  refid?: string | null;
  userref?: number | null;
  cl_ord_id?: string;
  status: 'pending' | 'open' | 'closed' | 'canceled' | 'expired';
  opentm?: number;
  closetm?: number;
  descr: RestOrderDescr;
  vol: string;
  vol_exec: string;
  cost?: string;
  fee?: string;
  price?: string;
  reason?: string | null;
  trades?: string[];
  /** Trigger price of trigger types, and the limit once a limit type triggered ("0" otherwise). */
  stopprice?: string;
  limitprice?: string;
  /** Comma flags: touched (triggered), amended, partial… */
  misc?: string;
  oflags?: string;
  timeinforce?: string;
  expiretm?: number;
}

export interface RestOpenOrders {
  open: Record<string, RestOrder>;
}

export interface RestClosedOrders {
  closed: Record<string, RestOrder>;
  count?: number;
}

export type RestQueryOrders = Record<string, RestOrder>;

export interface RestAddOrder {
  descr?: { order?: string; close?: string };
  txid?: string[];
}

export interface RestCancelOrder {
  count: number | string;
  pending?: boolean;
}

export interface RestWsToken {
  token: string;
  expires: number;
}

export type RestBalance = Record<string, string>;

/** Available = balance + credit − credit_used − hold_trade. */
export type RestBalanceEx = Record<string, { balance: string; hold_trade?: string; credit?: string; credit_used?: string }>;

export interface RestDeadMan {
  currentTime: string;
  triggerTime: string;
}

export interface RestTrade {
  ordertxid: string;
  pair: string;
  /** Float seconds. */
  time: number;
  type: 'buy' | 'sell';
  ordertype: string;
  price: string;
  cost: string;
  fee: string;
  vol: string;
}

export interface RestTradesHistory {
  trades: Record<string, RestTrade>;
  count?: number;
}

/** QueryTrades: a bare map from trade txid to Trade (doc §11). */
export type RestQueryTrades = Record<string, RestTrade>;
