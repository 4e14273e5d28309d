/**
 * OperationsService answers from an account's holdings: GetPositions (free cash in money,
 * blocked cash, securities in pieces with the blocked part apart) and GetPortfolio (values
 * at the market's last prices, average prices from the fills).
 */
import type { Market } from '../market.js';
import type { SimAccount } from './accounts.js';
import type { InstrumentBook } from './instruments.js';
import { money, quotation } from './order-messages.js';
import { NANO_SCALE } from './wire.js';

const ONE = 10n ** BigInt(NANO_SCALE);

function lastNanos(market: Market, symbol: string | undefined): bigint {
  if (symbol === undefined) return 0n;
  const info = market.info(symbol);
  return market.lastPrice(symbol) * 10n ** BigInt(NANO_SCALE - info.priceScale);
}

export function positionsMessage(a: SimAccount, book: InstrumentBook): Record<string, unknown> {
  const securities: Record<string, unknown>[] = [];
  for (const [uid, h] of a.holdings) {
    const i = book.byUidId(uid);
    if (!i || (h.pieces === 0n && h.blocked === 0n)) continue;
    securities.push({
      figi: i.figi,
      blocked: h.blocked.toString(),
      // balance excludes the blocked part (venue notes §2.7).
      balance: (h.pieces - h.blocked).toString(),
      position_uid: i.positionUid,
      instrument_uid: i.uid,
      ticker: i.ticker,
      class_code: i.classCode,
      exchange_blocked: false,
      instrument_type: 'share',
    });
  }
  return {
    money: [money(a.cash - a.blockedCash)],
    blocked: a.blockedCash !== 0n ? [money(a.blockedCash)] : [],
    securities,
    limits_loading_in_progress: false,
    account_id: a.id,
  };
}

export function portfolioMessage(a: SimAccount, book: InstrumentBook, market: Market): Record<string, unknown> {
  let shares = 0n;
  let cost = 0n;
  let yieldSum = 0n;
  const positions: Record<string, unknown>[] = [];
  for (const [uid, h] of a.holdings) {
    const i = book.byUidId(uid);
    if (!i || h.pieces === 0n) continue;
    const lot = BigInt(i.lot);
    const current = lastNanos(market, i.marketSymbol);
    const average = h.costNanos / h.pieces;
    const value = current * h.pieces;
    const gain = value - h.costNanos;
    shares += value;
    cost += h.costNanos;
    yieldSum += gain;
    positions.push({
      figi: i.figi,
      instrument_type: 'share',
      quantity: quotation(h.pieces * ONE),
      average_position_price: money(average),
      expected_yield: quotation(gain),
      current_nkd: money(0n),
      average_position_price_pt: quotation(0n),
      current_price: money(current),
      average_position_price_fifo: money(average),
      quantity_lots: quotation((h.pieces * ONE) / lot),
      blocked: h.blocked > 0n,
      blocked_lots: quotation((h.blocked * ONE) / lot),
      position_uid: i.positionUid,
      instrument_uid: i.uid,
      var_margin: money(0n),
      expected_yield_fifo: quotation(gain),
      daily_yield: money(0n),
      ticker: i.ticker,
      class_code: i.classCode,
    });
  }
  const zero = money(0n);
  return {
    total_amount_shares: money(shares),
    total_amount_bonds: zero,
    total_amount_etf: zero,
    total_amount_currencies: money(a.cash),
    total_amount_futures: zero,
    // Percent of what the securities cost.
    expected_yield: quotation(cost === 0n ? 0n : (yieldSum * 100n * ONE) / cost),
    positions,
    account_id: a.id,
    total_amount_options: zero,
    total_amount_sp: zero,
    total_amount_portfolio: money(shares + a.cash),
    daily_yield: zero,
    daily_yield_relative: quotation(0n),
  };
}
