/**
 * The local venue's order books and quotes, derived from the shared market so they agree with
 * its trades: the best level sits at the last trade (on the side the aggressor hit), levels
 * step away one tick each, and sizes are seeded by symbol, level and second — they change as
 * time passes and trades print, like a real book, and are the same for every client.
 */
import type { Market } from '../market.js';
import { prng } from '../market.js';

export interface SimLevel {
  /** Scaled by the symbol's price scale. */
  price: bigint;
  /** Lots. */
  lots: bigint;
}

export interface SimBook {
  bids: SimLevel[];
  asks: SimLevel[];
  timeMs: number;
}

/** Order-book depths the venue offers (§8.1). */
export const BOOK_DEPTHS: readonly number[] = [1, 10, 20, 30, 40, 50];

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The book of `symbol` at `nowMs`, `depth` levels a side (fewer bids when prices would reach zero). */
export function simOrderBook(market: Market, symbol: string, depth: number, nowMs: number): SimBook {
  const { tick } = market.info(symbol);
  const last = market.lastPrice(symbol);
  const recent = market.recentTrades(symbol);
  const lastTrade = recent[recent.length - 1];
  // A buy lifted the ask: the ask is at the last price; a sell hit the bid.
  const bestAsk = lastTrade?.side === 'sell' ? last + tick : last;
  const bestBid = bestAsk - tick;
  const rand = prng(seedOf(`${symbol}:${Math.floor(nowMs / 1000)}:${lastTrade?.id ?? 0}`));
  const size = (level: number): bigint => BigInt(1 + Math.floor(rand() * rand() * 400 * (1 + level / 4)));
  const bids: SimLevel[] = [];
  const asks: SimLevel[] = [];
  for (let k = 0; k < depth; k++) {
    const bid = bestBid - BigInt(k) * tick;
    if (bid > 0n) bids.push({ price: bid, lots: size(k) });
    asks.push({ price: bestAsk + BigInt(k) * tick, lots: size(k) });
  }
  return { bids, asks, timeMs: nowMs };
}

/**
 * The previous trading day's close: the close of the last day candle before today's (UTC day),
 * or the first price of the history when there is none.
 */
export function simClosePrice(market: Market, symbol: string, nowMs: number): { price: bigint; timeMs: number } {
  const today = Math.floor(nowMs / 86_400_000) * 86_400;
  const days = market.candles(symbol, 86_400, today - 10 * 86_400, today);
  const prev = days[days.length - 1];
  if (prev) return { price: prev.close, timeMs: (prev.time + 86_400) * 1000 - 1 };
  const first = market.candles(symbol, 86_400, today, today + 86_400)[0];
  return { price: first?.open ?? market.lastPrice(symbol), timeMs: today * 1000 };
}
