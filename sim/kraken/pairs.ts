/**
 * The assets and spot pairs the local Kraken lists, with Kraken's real ids and the three
 * naming schemes (REST id, altname, v1 wsname; v2 symbol). One table feeds AssetPairs,
 * Assets, the v2 instrument channel and the market, so their precisions cannot disagree.
 */
import type { MarketSymbolSpec } from '../market.js';
import { parseScaled } from '../../common/decimal.js';

export interface KrakenAsset {
  /** REST id with the old X/Z prefix where Kraken has one: XXBT, ZUSD, SOL. */
  id: string;
  altname: string;
  /** The v2 / ccxt name: BTC, USD, DOGE. */
  v2: string;
  decimals: number;
  displayDecimals: number;
}

export interface KrakenPair {
  /** REST id, the key of every REST result: XXBTZUSD. */
  id: string;
  /** XBTUSD: accepted in requests, written in descr. */
  altname: string;
  /** v1 websocket name: XBT/USD. */
  wsname: string;
  /** v2 symbol: BTC/USD. */
  symbol: string;
  base: string;
  quote: string;
  pairDecimals: number;
  costDecimals: number;
  lotDecimals: number;
  ordermin: string;
  costmin: string;
  tickSize: string;
  /** Where the simulated price starts, and the coarser size step its trades use. */
  startPrice: string;
  tradeQtyStep: string;
  /** Largest synthetic book level, in base units. */
  bookMaxQty: string;
}

export const ASSETS: readonly KrakenAsset[] = [
  { id: 'XXBT', altname: 'XBT', v2: 'BTC', decimals: 10, displayDecimals: 5 },
  { id: 'ZUSD', altname: 'USD', v2: 'USD', decimals: 4, displayDecimals: 2 },
  { id: 'XETH', altname: 'ETH', v2: 'ETH', decimals: 10, displayDecimals: 5 },
  { id: 'SOL', altname: 'SOL', v2: 'SOL', decimals: 10, displayDecimals: 5 },
  { id: 'XXDG', altname: 'XDG', v2: 'DOGE', decimals: 8, displayDecimals: 2 },
  { id: 'ADA', altname: 'ADA', v2: 'ADA', decimals: 8, displayDecimals: 6 },
];

export const PAIRS: readonly KrakenPair[] = [
  {
    id: 'XXBTZUSD', altname: 'XBTUSD', wsname: 'XBT/USD', symbol: 'BTC/USD', base: 'XXBT', quote: 'ZUSD',
    pairDecimals: 1, costDecimals: 5, lotDecimals: 8, ordermin: '0.00005', costmin: '0.5', tickSize: '0.1',
    startPrice: '64250.0', tradeQtyStep: '0.001', bookMaxQty: '1.5',
  },
  {
    id: 'XETHZUSD', altname: 'ETHUSD', wsname: 'ETH/USD', symbol: 'ETH/USD', base: 'XETH', quote: 'ZUSD',
    pairDecimals: 2, costDecimals: 5, lotDecimals: 8, ordermin: '0.002', costmin: '0.5', tickSize: '0.01',
    startPrice: '3125.40', tradeQtyStep: '0.01', bookMaxQty: '25',
  },
  {
    id: 'SOLUSD', altname: 'SOLUSD', wsname: 'SOL/USD', symbol: 'SOL/USD', base: 'SOL', quote: 'ZUSD',
    pairDecimals: 2, costDecimals: 5, lotDecimals: 8, ordermin: '0.02', costmin: '0.5', tickSize: '0.01',
    startPrice: '148.52', tradeQtyStep: '0.1', bookMaxQty: '400',
  },
  {
    id: 'XDGUSD', altname: 'XDGUSD', wsname: 'XDG/USD', symbol: 'DOGE/USD', base: 'XXDG', quote: 'ZUSD',
    pairDecimals: 7, costDecimals: 5, lotDecimals: 8, ordermin: '13', costmin: '0.5', tickSize: '0.0000001',
    startPrice: '0.1523400', tradeQtyStep: '10', bookMaxQty: '250000',
  },
  {
    id: 'ADAUSD', altname: 'ADAUSD', wsname: 'ADA/USD', symbol: 'ADA/USD', base: 'ADA', quote: 'ZUSD',
    pairDecimals: 6, costDecimals: 5, lotDecimals: 8, ordermin: '5', costmin: '0.5', tickSize: '0.000001',
    startPrice: '0.452310', tradeQtyStep: '10', bookMaxQty: '60000',
  },
  {
    id: 'XETHXXBT', altname: 'ETHXBT', wsname: 'ETH/XBT', symbol: 'ETH/BTC', base: 'XETH', quote: 'XXBT',
    pairDecimals: 5, costDecimals: 10, lotDecimals: 8, ordermin: '0.002', costmin: '0.00002', tickSize: '0.00001',
    startPrice: '0.04865', tradeQtyStep: '0.01', bookMaxQty: '20',
  },
];

/** Taker and maker fee of tier 0, in basis points (AssetPairs fees[0][1] = 0.26 %). */
export const TAKER_FEE_BP = 26n;
export const MAKER_FEE_BP = 16n;

/** AssetPairs fee ladders (30-day volume in USD, percent). */
export const FEES_TAKER: readonly (readonly [number, number])[] = [
  [0, 0.26], [50000, 0.24], [100000, 0.22], [250000, 0.2], [500000, 0.18], [1000000, 0.16], [2500000, 0.14], [5000000, 0.12], [10000000, 0.1],
];
export const FEES_MAKER: readonly (readonly [number, number])[] = [
  [0, 0.16], [50000, 0.14], [100000, 0.12], [250000, 0.1], [500000, 0.08], [1000000, 0.06], [2500000, 0.04], [5000000, 0.02], [10000000, 0],
];

/** The market specs for these pairs, keyed by v2 symbol; price steps equal the tick sizes. */
export function krakenMarketSymbols(pairs: readonly KrakenPair[] = PAIRS): MarketSymbolSpec[] {
  return pairs.map((p) => ({
    symbol: p.symbol,
    startPrice: p.startPrice,
    priceStep: p.tickSize,
    qtyStep: p.tradeQtyStep,
    tradesPerSecond: 1.5,
    maxTradeSteps: 40,
  }));
}

/** Lookup by any of the names a client may use. */
export class PairDirectory {
  private readonly byName = new Map<string, KrakenPair>();
  private readonly bySymbol = new Map<string, KrakenPair>();
  private readonly assetById = new Map<string, KrakenAsset>();
  private readonly assetByName = new Map<string, KrakenAsset>();

  constructor(
    readonly pairs: readonly KrakenPair[],
    readonly assets: readonly KrakenAsset[],
  ) {
    for (const p of pairs) {
      this.byName.set(p.id, p);
      this.byName.set(p.altname, p);
      this.bySymbol.set(p.symbol, p);
      if (parseScaled(p.tickSize).scale !== p.pairDecimals) throw new Error(`${p.id}: tick_size must have pair_decimals places`);
    }
    for (const a of assets) {
      this.assetById.set(a.id, a);
      for (const n of [a.id, a.altname, a.v2]) this.assetByName.set(n, a);
    }
  }

  /** REST: a pair id or altname. */
  pair(name: string): KrakenPair | undefined {
    return this.byName.get(name);
  }

  /** WS v2: a v2 symbol. */
  symbol(symbol: string): KrakenPair | undefined {
    return this.bySymbol.get(symbol);
  }

  asset(id: string): KrakenAsset {
    const a = this.assetById.get(id);
    if (!a) throw new Error(`unknown asset ${id}`);
    return a;
  }

  /** Any spelling of an asset: id, altname or v2 name. */
  assetNamed(name: string): KrakenAsset | undefined {
    return this.assetByName.get(name);
  }
}
