/**
 * The local venue's instrument list: a few MOEX shares on the TQBR board, and bonds, ETFs,
 * futures and currencies (instrument-kinds.ts), with
 * identifiers shaped like the venue's (figi, instrument uid, position/asset uids), and the
 * lookups the API offers (uid, figi, TICKER_CLASSCODE, ticker + class code).
 */
import { createHash } from 'node:crypto';
import type { MarketSymbolSpec } from '../market.js';
import { kindInstruments } from './instrument-kinds.js';
import {
  InstrumentType,
  RealExchange,
  SecurityTradingStatus,
  ShareType,
  quotationOf,
  timestampOfSec,
} from './wire.js';
import type { MoneyValue, Quotation, Timestamp } from './wire.js';

/** The instrument kinds the local venue lists, by their Operation instrument_type strings. */
export type SimKind = 'share' | 'bond' | 'etf' | 'futures' | 'currency';

/** What a bond, future or currency adds to the common fields (§9). */
export interface SimKindDetails {
  /** Bonds and currencies: nominal as decimal text, in `nominalCurrency`. */
  nominal?: string;
  nominalCurrency?: string;
  /** Bonds: accrued coupon (aci_value) per bond, decimal text in the nominal's currency. */
  aci?: string;
  /** Bonds: maturity (ms). */
  maturityMs?: number;
  couponsPerYear?: number;
  /** Futures: expiration (ms), the underlying and its size per contract, money per price step. */
  expirationMs?: number;
  basicAsset?: string;
  basicAssetSize?: string;
  stepPrice?: string;
  futuresType?: string;
  assetType?: string;
  /** Currencies: ISO name ("usd"). ETFs: focus type. */
  isoCurrency?: string;
  focusType?: string;
}

export interface SimInstrument extends SimKindDetails {
  kind: SimKind;
  figi: string;
  /** instrument_uid, the venue's primary id. */
  uid: string;
  positionUid: string;
  assetUid: string;
  ticker: string;
  classCode: string;
  isin: string;
  name: string;
  /** Securities per lot. */
  lot: number;
  /** Decimal text. */
  minPriceIncrement: string;
  currency: string;
  /** Decimal text: where the simulated price path starts. */
  startPrice: string;
  apiTradeAvailable: boolean;
  tradingStatus: number;
  shareType: number;
  sector: string;
  /** The market symbol (= ticker) when the instrument trades in the simulated market. */
  marketSymbol: string | undefined;
}

/** A stable UUID-shaped id from a label, so ids survive restarts of the demo venue. */
function stableUuid(label: string): string {
  const h = createHash('sha256').update(`switchboard-sim:${label}`).digest('hex');
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Seed {
  figi: string;
  uid?: string;
  ticker: string;
  isin: string;
  name: string;
  lot: number;
  step: string;
  price: string;
  sector: string;
  tradable?: boolean;
  /** False for reference-only shares that the market does not trade. */
  priced?: boolean;
  shareType?: number;
}

const SEEDS: Seed[] = [
  // SBER's figi and uid are the real ones quoted in the venue notes.
  { figi: 'BBG004730N88', uid: 'e6123145-9665-43e0-8413-cd61b8aa9b13', ticker: 'SBER', isin: 'RU0009029540', name: 'Сбербанк', lot: 10, step: '0.01', price: '306.50', sector: 'financial' },
  { figi: 'BBG004730RP0', ticker: 'GAZP', isin: 'RU0007661625', name: 'Газпром', lot: 10, step: '0.01', price: '128.40', sector: 'energy' },
  { figi: 'BBG004731032', ticker: 'LKOH', isin: 'RU0009024277', name: 'ЛУКОЙЛ', lot: 1, step: '0.5', price: '6950', sector: 'energy' },
  { figi: 'TCS00A107T19', ticker: 'YDEX', isin: 'RU000A107T19', name: 'Яндекс', lot: 1, step: '0.5', price: '4120', sector: 'it' },
  { figi: 'BBG004730ZJ9', ticker: 'VTBR', isin: 'RU000A0JP5V6', name: 'Банк ВТБ', lot: 1, step: '0.005', price: '84.350', sector: 'financial' },
  { figi: 'BBG004730JJ5', ticker: 'MOEX', isin: 'RU000A0JR4A1', name: 'Московская Биржа', lot: 10, step: '0.01', price: '178.25', sector: 'financial' },
  // Listed but not tradable through the API: exercises api_trade_available_flag = false.
  { figi: 'BBG004PYF2N3', ticker: 'POLY', isin: 'JE00B6T5S470', name: 'Polymetal', lot: 1, step: '0.1', price: '250', sector: 'materials', tradable: false },
];

/**
 * The venue's shares. `extraShares` adds that many synthetic shares (SIM001…) with
 * reference data only — they never trade — so per-stream subscription limits can be reached.
 */
export function defaultInstruments(extraShares = 0): SimInstrument[] {
  const extra: Seed[] = Array.from({ length: extraShares }, (_, k) => {
    const n = String(k + 1).padStart(3, '0');
    return { figi: `TCS10SIM0${n}`, ticker: `SIM${n}`, isin: `RU000SIM0${n}`, name: `Симулированная акция ${n}`, lot: 1, step: '0.01', price: '100', sector: 'other', priced: false };
  });
  const shares = [...SEEDS, ...extra].map((s): SimInstrument => {
    const tradable = s.tradable ?? true;
    return {
      kind: 'share',
      figi: s.figi,
      uid: s.uid ?? stableUuid(`uid:${s.ticker}`),
      positionUid: stableUuid(`position:${s.ticker}`),
      assetUid: stableUuid(`asset:${s.ticker}`),
      ticker: s.ticker,
      classCode: 'TQBR',
      isin: s.isin,
      name: s.name,
      lot: s.lot,
      minPriceIncrement: s.step,
      currency: 'rub',
      startPrice: s.price,
      apiTradeAvailable: tradable,
      tradingStatus: tradable ? SecurityTradingStatus.NORMAL_TRADING : SecurityTradingStatus.NOT_AVAILABLE_FOR_TRADING,
      shareType: s.shareType ?? ShareType.COMMON,
      sector: s.sector,
      marketSymbol: tradable && s.priced !== false ? s.ticker : undefined,
    };
  });
  return [...shares, ...kindInstruments()];
}


/**
 * A start price written at the tick's scale ("6950" with step "0.5" → "6950.0"): the market
 * reads the start price's digits as a count of ticks, so the scales must agree.
 */

/** Market specs for the tradable instruments: one market quantity step = one lot. */
export function marketSpecs(instruments: readonly SimInstrument[], tradesPerSecond?: number): MarketSymbolSpec[] {
  return instruments
    .filter((i) => i.marketSymbol !== undefined)
    .map((i) => ({
      symbol: i.marketSymbol ?? i.ticker,
      startPrice: i.startPrice,
      priceStep: i.minPriceIncrement,
      qtyStep: '1',
      ...(tradesPerSecond !== undefined ? { tradesPerSecond } : {}),
    }));
}

export class InstrumentBook {
  private readonly byUid = new Map<string, SimInstrument>();
  private readonly byFigi = new Map<string, SimInstrument>();
  private readonly byPositionUid = new Map<string, SimInstrument>();
  private readonly byTickerClass = new Map<string, SimInstrument>();

  constructor(readonly all: readonly SimInstrument[]) {
    for (const i of all) {
      this.byUid.set(i.uid, i);
      this.byFigi.set(i.figi, i);
      this.byPositionUid.set(i.positionUid, i);
      this.byTickerClass.set(`${i.ticker}_${i.classCode}`.toUpperCase(), i);
    }
  }

  /** An `instrument_id`: uid first, then figi, then TICKER_CLASSCODE. */
  resolve(id: string | null | undefined): SimInstrument | undefined {
    if (!id) return undefined;
    return this.byUid.get(id) ?? this.byFigi.get(id) ?? this.byTickerClass.get(id.toUpperCase());
  }

  byFigiId(figi: string): SimInstrument | undefined {
    return this.byFigi.get(figi);
  }

  byUidId(uid: string): SimInstrument | undefined {
    return this.byUid.get(uid);
  }

  byPositionUidId(uid: string): SimInstrument | undefined {
    return this.byPositionUid.get(uid);
  }

  byTicker(ticker: string, classCode: string): SimInstrument | undefined {
    return this.byTickerClass.get(`${ticker}_${classCode}`.toUpperCase());
  }

  /** Case-insensitive substring search over ticker, name, figi, isin and uid. */
  find(query: string): SimInstrument[] {
    const q = query.toLowerCase();
    return this.all.filter((i) =>
      [i.ticker, i.name, i.figi, i.isin, i.uid].some((f) => f.toLowerCase().includes(q)),
    );
  }
}

/** InstrumentType numbers of the kinds (common.proto). */
export const INSTRUMENT_KIND: Readonly<Record<SimKind, number>> = {
  bond: InstrumentType.BOND,
  share: InstrumentType.SHARE,
  currency: InstrumentType.CURRENCY,
  etf: InstrumentType.ETF,
  futures: InstrumentType.FUTURES,
};

// First candles: a fixed, plausible date; the simulated history is much shorter anyway.
export const FIRST_CANDLE = timestampOfSec(Date.UTC(2018, 2, 7) / 1000);

/** The Share message for an instrument. */
export function shareMessage(i: SimInstrument): Record<string, unknown> {
  const zero: Quotation = { units: '0', nano: 0 };
  const nominal: MoneyValue = { currency: i.currency, units: '0', nano: 0 };
  const d = quotationOf('0.2');
  return {
    figi: i.figi,
    ticker: i.ticker,
    class_code: i.classCode,
    isin: i.isin,
    lot: i.lot,
    currency: i.currency,
    klong: { units: '2', nano: 0 },
    kshort: { units: '2', nano: 0 },
    dlong: d,
    dshort: d,
    dlong_min: quotationOf('0.1'),
    dshort_min: quotationOf('0.1'),
    short_enabled_flag: i.apiTradeAvailable,
    name: i.name,
    exchange: 'MOEX',
    issue_size: '1000000000',
    country_of_risk: 'RU',
    country_of_risk_name: 'Российская Федерация',
    sector: i.sector,
    issue_size_plan: '1000000000',
    nominal,
    trading_status: i.tradingStatus,
    otc_flag: false,
    buy_available_flag: i.apiTradeAvailable,
    sell_available_flag: i.apiTradeAvailable,
    div_yield_flag: true,
    share_type: i.shareType,
    min_price_increment: quotationOf(i.minPriceIncrement),
    api_trade_available_flag: i.apiTradeAvailable,
    uid: i.uid,
    real_exchange: RealExchange.MOEX,
    position_uid: i.positionUid,
    asset_uid: i.assetUid,
    required_tests: [],
    for_iis_flag: true,
    for_qual_investor_flag: false,
    weekend_flag: false,
    blocked_tca_flag: false,
    liquidity_flag: i.apiTradeAvailable,
    first_1min_candle_date: FIRST_CANDLE,
    first_1day_candle_date: FIRST_CANDLE,
    brand: { logo_name: `${i.isin}.png`, logo_base_color: '#1a1a1a', text_color: '#ffffff' },
    dlong_client: d,
    dshort_client: zero,
  };
}

/** The generic Instrument message (GetInstrumentBy). */
export function instrumentMessage(i: SimInstrument): Record<string, unknown> {
  return {
    figi: i.figi,
    ticker: i.ticker,
    class_code: i.classCode,
    isin: i.isin,
    lot: i.lot,
    currency: i.currency,
    short_enabled_flag: i.apiTradeAvailable,
    name: i.name,
    exchange: 'MOEX',
    instrument_type: i.kind,
    trading_status: i.tradingStatus,
    buy_available_flag: i.apiTradeAvailable,
    sell_available_flag: i.apiTradeAvailable,
    min_price_increment: quotationOf(i.minPriceIncrement),
    api_trade_available_flag: i.apiTradeAvailable,
    uid: i.uid,
    real_exchange: RealExchange.MOEX,
    position_uid: i.positionUid,
    asset_uid: i.assetUid,
    instrument_kind: INSTRUMENT_KIND[i.kind],
    first_1min_candle_date: FIRST_CANDLE,
    first_1day_candle_date: FIRST_CANDLE,
  };
}

/** The InstrumentShort message (FindInstrument). */
export function instrumentShortMessage(i: SimInstrument): Record<string, unknown> {
  const first: Timestamp = FIRST_CANDLE;
  return {
    isin: i.isin,
    figi: i.figi,
    ticker: i.ticker,
    class_code: i.classCode,
    instrument_type: i.kind,
    name: i.name,
    uid: i.uid,
    position_uid: i.positionUid,
    instrument_kind: INSTRUMENT_KIND[i.kind],
    api_trade_available_flag: i.apiTradeAvailable,
    for_iis_flag: true,
    first_1min_candle_date: first,
    first_1day_candle_date: first,
    for_qual_investor_flag: false,
    weekend_flag: false,
    blocked_tca_flag: false,
    lot: i.lot,
  };
}
