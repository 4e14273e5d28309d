/**
 * What each SecurityTradingStatus lets through (venue faq_trading_status, §8.2): limit
 * orders, market orders, or neither. DISCRETE_AUCTION follows the doc's table (limit and
 * market), not its conflicting prose.
 */
import type { SimInstrument } from './instruments.js';

const LIMIT_ONLY = new Set([2, 3, 10, 11, 14]);
const MARKET_ONLY = new Set([7]);
const BOTH = new Set([5, 6, 8, 9, 13]);

export interface StatusFlags {
  limit: boolean;
  market: boolean;
}

export function statusFlags(i: SimInstrument): StatusFlags {
  if (!i.apiTradeAvailable) return { limit: false, market: false };
  const s = i.tradingStatus;
  return { limit: BOTH.has(s) || LIMIT_ONLY.has(s), market: BOTH.has(s) || MARKET_ONLY.has(s) };
}
