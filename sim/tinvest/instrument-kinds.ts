/**
 * Bonds, ETFs, futures and currencies of the local venue (§9): a realistic handful of each,
 * with the fields that set their money rules — a bond's nominal and accrued interest (prices
 * in % of nominal), a future's point value and underlying, a currency's nominal — and their
 * messages, whose field layouts differ per kind.
 */
import { createHash } from 'node:crypto';
import type { SimInstrument, SimKind } from './instruments.js';
import { FIRST_CANDLE } from './instruments.js';
import { RealExchange, SecurityTradingStatus, quotationOf, timestampOfMs } from './wire.js';
import type { MoneyValue } from './wire.js';

function uuid(label: string): string {
  const h = createHash('sha256').update(`switchboard-sim:${label}`).digest('hex');
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const utc = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d);

interface KindSeed extends Partial<SimInstrument> {
  kind: SimKind;
  figi: string;
  ticker: string;
  classCode: string;
  isin: string;
  name: string;
  lot: number;
  minPriceIncrement: string;
  currency: string;
  startPrice: string;
  sector: string;
}

const KIND_SEEDS: KindSeed[] = [
  // OFZ: quoted in % of a 1000-rouble nominal, step 0.001 %.
  {
    kind: 'bond', figi: 'TCS00A1038V6', ticker: 'SU26238RMFS4', classCode: 'TQOB', isin: 'RU000A1038V6', name: 'ОФЗ 26238',
    lot: 1, minPriceIncrement: '0.001', currency: 'rub', startPrice: '57.420', sector: 'government',
    nominal: '1000', nominalCurrency: 'rub', aci: '14.73', maturityMs: utc(2041, 5, 15), couponsPerYear: 2,
  },
  {
    kind: 'bond', figi: 'TCS00A105JK5', ticker: 'SU26240RMFS0', classCode: 'TQOB', isin: 'RU000A103BR0', name: 'ОФЗ 26240',
    lot: 1, minPriceIncrement: '0.001', currency: 'rub', startPrice: '61.870', sector: 'government',
    nominal: '1000', nominalCurrency: 'rub', aci: '3.26', maturityMs: utc(2036, 7, 30), couponsPerYear: 2,
  },
  // A corporate bond: its ticker is its ISIN, as on the exchange.
  {
    kind: 'bond', figi: 'TCS00A10B4J8', ticker: 'RU000A10B4J8', classCode: 'TQCB', isin: 'RU000A10B4J8', name: 'Газпром Капитал БО-001Р-05',
    lot: 1, minPriceIncrement: '0.01', currency: 'rub', startPrice: '98.75', sector: 'energy',
    nominal: '1000', nominalCurrency: 'rub', aci: '5.12', maturityMs: utc(2028, 3, 9), couponsPerYear: 12,
  },
  { kind: 'etf', figi: 'TCS60A101X76', ticker: 'TMOS', classCode: 'TQTF', isin: 'RU000A101X76', name: 'Т-Капитал Индекс МосБиржи', lot: 1, minPriceIncrement: '0.002', currency: 'rub', startPrice: '6.620', sector: 'other', focusType: 'equity' },
  { kind: 'etf', figi: 'BBG000000001', ticker: 'TRUR', classCode: 'TQTF', isin: 'RU000A1011U5', name: 'Т-Капитал Вечный портфель', lot: 1, minPriceIncrement: '0.002', currency: 'rub', startPrice: '8.950', sector: 'other', focusType: 'mixed_allocation' },
  // Futures: prices in points; one step is worth stepPrice roubles.
  {
    kind: 'futures', figi: 'FUTSI1226000', ticker: 'SiZ6', classCode: 'SPBFUT', isin: '', name: 'Si-12.26 Курс доллар - рубль',
    lot: 1, minPriceIncrement: '1', currency: 'rub', startPrice: '92450', sector: 'currency',
    expirationMs: utc(2026, 12, 17), basicAsset: 'USDRUBF', basicAssetSize: '1000', stepPrice: '1', futuresType: 'cash_settlement', assetType: 'currency',
  },
  {
    kind: 'futures', figi: 'FUTRTS122600', ticker: 'RIZ6', classCode: 'SPBFUT', isin: '', name: 'RTS-12.26 Индекс РТС',
    lot: 1, minPriceIncrement: '10', currency: 'rub', startPrice: '109850', sector: 'other',
    expirationMs: utc(2026, 12, 17), basicAsset: 'RTSI', basicAssetSize: '1', stepPrice: '18.49', futuresType: 'cash_settlement', assetType: 'index',
  },
  {
    kind: 'futures', figi: 'FUTBR0127000', ticker: 'BRF7', classCode: 'SPBFUT', isin: '', name: 'BR-1.27 Нефть Brent',
    lot: 1, minPriceIncrement: '0.01', currency: 'rub', startPrice: '72.48', sector: 'energy',
    expirationMs: utc(2026, 12, 30), basicAsset: 'BRENT', basicAssetSize: '10', stepPrice: '9.245', futuresType: 'cash_settlement', assetType: 'commodity',
  },
  // Currencies: money = price × lot / nominal.
  {
    kind: 'currency', figi: 'BBG0013HGFT4', ticker: 'USD000UTSTOM', classCode: 'CETS', isin: '', name: 'Доллар США',
    lot: 1000, minPriceIncrement: '0.0025', currency: 'rub', startPrice: '92.4650', sector: 'currency',
    nominal: '1', nominalCurrency: 'usd', isoCurrency: 'usd',
  },
  {
    kind: 'currency', figi: 'BBG0013HRTL0', ticker: 'CNYRUB_TOM', classCode: 'CETS', isin: '', name: 'Юань',
    lot: 1, minPriceIncrement: '0.0005', currency: 'rub', startPrice: '12.6850', sector: 'currency',
    nominal: '1', nominalCurrency: 'cny', isoCurrency: 'cny',
  },
];

/** The other kinds, all tradable and priced by the market. */
export function kindInstruments(): SimInstrument[] {
  return KIND_SEEDS.map((s) => ({
    ...s,
    uid: uuid(`uid:${s.ticker}`),
    positionUid: uuid(`position:${s.ticker}`),
    // Futures have no asset_uid (§9).
    assetUid: s.kind === 'futures' ? '' : uuid(`asset:${s.ticker}`),
    apiTradeAvailable: true,
    tradingStatus: SecurityTradingStatus.NORMAL_TRADING,
    shareType: 0,
    marketSymbol: s.ticker,
  }));
}

function money(text: string, currency: string): MoneyValue {
  return { currency, ...quotationOf(text) };
}

const q = quotationOf;

/** Fields every kind has, under the same names (numbers differ per message; proto-loader maps by name). */
function common(i: SimInstrument): Record<string, unknown> {
  return {
    figi: i.figi,
    ticker: i.ticker,
    class_code: i.classCode,
    lot: i.lot,
    currency: i.currency,
    dlong: q('0.2'),
    dshort: q('0.2'),
    dlong_min: q('0.1'),
    dshort_min: q('0.1'),
    short_enabled_flag: i.apiTradeAvailable,
    name: i.name,
    exchange: 'MOEX',
    country_of_risk: 'RU',
    country_of_risk_name: 'Российская Федерация',
    trading_status: i.tradingStatus,
    otc_flag: false,
    buy_available_flag: i.apiTradeAvailable,
    sell_available_flag: i.apiTradeAvailable,
    min_price_increment: q(i.minPriceIncrement),
    api_trade_available_flag: i.apiTradeAvailable,
    uid: i.uid,
    real_exchange: RealExchange.MOEX,
    position_uid: i.positionUid,
    required_tests: [],
    for_iis_flag: true,
    for_qual_investor_flag: false,
    weekend_flag: false,
    blocked_tca_flag: false,
    first_1min_candle_date: FIRST_CANDLE,
    first_1day_candle_date: FIRST_CANDLE,
    brand: { logo_name: `${i.ticker}.png`, logo_base_color: '#1a1a1a', text_color: '#ffffff' },
    dlong_client: q('0.2'),
    dshort_client: q('0'),
  };
}

export function bondMessage(i: SimInstrument): Record<string, unknown> {
  const cur = i.nominalCurrency ?? i.currency;
  return {
    ...common(i),
    isin: i.isin,
    coupon_quantity_per_year: i.couponsPerYear ?? 2,
    ...(i.maturityMs !== undefined ? { maturity_date: timestampOfMs(i.maturityMs) } : {}),
    nominal: money(i.nominal ?? '1000', cur),
    initial_nominal: money(i.nominal ?? '1000', cur),
    aci_value: money(i.aci ?? '0', cur),
    sector: i.sector,
    issue_kind: 'non_documentary',
    issue_size: '350000000',
    issue_size_plan: '350000000',
    floating_coupon_flag: false,
    perpetual_flag: false,
    amortization_flag: false,
    asset_uid: i.assetUid,
    subordinated_flag: false,
    liquidity_flag: true,
    risk_level: i.classCode === 'TQOB' ? 1 : 2,
  };
}

export function etfMessage(i: SimInstrument): Record<string, unknown> {
  return {
    ...common(i),
    isin: i.isin,
    fixed_commission: q('0.79'),
    focus_type: i.focusType ?? 'equity',
    num_shares: q('1000000000'),
    sector: i.sector,
    rebalancing_freq: 'daily',
    asset_uid: i.assetUid,
    instrument_exchange: 0,
    liquidity_flag: true,
  };
}

export function futureMessage(i: SimInstrument): Record<string, unknown> {
  const exp = i.expirationMs ?? 0;
  return {
    ...common(i),
    first_trade_date: timestampOfMs(exp - 180 * 86_400_000),
    last_trade_date: timestampOfMs(exp),
    futures_type: i.futuresType ?? 'cash_settlement',
    asset_type: i.assetType ?? 'index',
    basic_asset: i.basicAsset ?? '',
    basic_asset_size: q(i.basicAssetSize ?? '1'),
    sector: i.sector,
    expiration_date: timestampOfMs(exp),
    basic_asset_position_uid: uuid(`position:${i.basicAsset ?? ''}`),
    initial_margin_on_buy: money('15000', 'rub'),
    initial_margin_on_sell: money('15000', 'rub'),
    min_price_increment_amount: q(i.stepPrice ?? i.minPriceIncrement),
  };
}

export function currencyMessage(i: SimInstrument): Record<string, unknown> {
  return {
    ...common(i),
    isin: i.isin,
    nominal: money(i.nominal ?? '1', i.nominalCurrency ?? i.isoCurrency ?? ''),
    iso_currency_name: i.isoCurrency ?? '',
  };
}
