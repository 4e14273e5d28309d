import { describe, expect, it } from 'vitest';
import { Market, type MarketSymbolSpec } from '../../sim/market.js';

const SPECS: MarketSymbolSpec[] = [
  { symbol: 'SBER', startPrice: '300.00', priceStep: '0.01', qtyStep: '1', tradesPerSecond: 5 },
  { symbol: 'XBTUSD', startPrice: '90000.0', priceStep: '0.1', qtyStep: '0.0001', tradesPerSecond: 3 },
];

function clock(startMs: number): { now: () => number; set: (ms: number) => void } {
  let t = startMs;
  return { now: () => t, set: (ms) => (t = ms) };
}

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);

describe('the local market', () => {
  it('produces the same trades for a seed however often it is advanced', () => {
    const a = clock(T0);
    const b = clock(T0);
    const ma = new Market({ seed: 7, symbols: SPECS, now: a.now, historySeconds: 3600 });
    const mb = new Market({ seed: 7, symbols: SPECS, now: b.now, historySeconds: 3600 });
    ma.advance(T0 + 600_000);
    for (let t = T0; t <= T0 + 600_000; t += 137) mb.advance(t);
    expect(mb.candles('SBER', 60, 0, 2e9)).toEqual(ma.candles('SBER', 60, 0, 2e9));
    expect(mb.recentTrades('XBTUSD')).toEqual(ma.recentTrades('XBTUSD'));
  });

  it('differs between seeds', () => {
    const m1 = new Market({ seed: 1, symbols: SPECS, now: () => T0, historySeconds: 3600 });
    const m2 = new Market({ seed: 2, symbols: SPECS, now: () => T0, historySeconds: 3600 });
    expect(m1.candles('SBER', 60, 0, 2e9)).not.toEqual(m2.candles('SBER', 60, 0, 2e9));
  });

  it('derives every interval from the same trades, so larger candles aggregate smaller ones', () => {
    const m = new Market({ seed: 3, symbols: SPECS, now: () => T0, historySeconds: 86400 });
    const minutes = m.candles('SBER', 60, 0, 2e9);
    const hours = m.candles('SBER', 3600, 0, 2e9);
    expect(hours.length).toBeGreaterThan(20);
    for (const h of hours) {
      const inside = minutes.filter((c) => c.time >= h.time && c.time < h.time + 3600);
      expect(h.open).toBe(inside[0]!.open);
      expect(h.close).toBe(inside[inside.length - 1]!.close);
      expect(h.high).toBe(inside.reduce((x, c) => (c.high > x ? c.high : x), inside[0]!.high));
      expect(h.low).toBe(inside.reduce((x, c) => (c.low < x ? c.low : x), inside[0]!.low));
      expect(h.volume).toBe(inside.reduce((x, c) => x + c.volume, 0n));
      expect(h.trades).toBe(inside.reduce((x, c) => x + c.trades, 0));
    }
  });

  it('keeps every price on the tick and the live candle equal to the history query', () => {
    const c = clock(T0);
    const m = new Market({ seed: 4, symbols: SPECS, now: c.now, historySeconds: 600 });
    const seen: bigint[] = [];
    m.onTrade((t) => seen.push(t.price));
    c.set(T0 + 120_000);
    m.advance();
    expect(seen.length).toBeGreaterThan(100);
    const tick = m.info('XBTUSD').tick;
    for (const p of m.recentTrades('XBTUSD').map((t) => t.price)) expect(p % tick).toBe(0n);
    const live = m.currentCandle('SBER', 300);
    const [hist] = m.candles('SBER', 300, live!.time, live!.time + 300);
    expect(live).toEqual(hist);
    c.set(T0 + 150_000);
    m.advance();
    const [later] = m.candles('SBER', 300, live!.time, live!.time + 300);
    expect(m.currentCandle('SBER', 300)).toEqual(later);
  });

  it('moves the price to a printed trade and reports it to listeners', () => {
    const m = new Market({ seed: 5, symbols: SPECS, now: () => T0, historySeconds: 600 });
    const got: string[] = [];
    m.onTrade((t) => got.push(`${t.symbol}:${t.price}`));
    m.printTrade('SBER', 31234n, 10n, 'buy');
    expect(got).toEqual(['SBER:31234']);
    expect(m.lastPrice('SBER')).toBe(31234n);
  });
});

describe('start prices', () => {
  it('reads the start price at the tick scale, whatever digits it is written with', () => {
    const m = new Market({
      seed: 1,
      symbols: [
        { symbol: 'A', startPrice: '300', priceStep: '0.01', qtyStep: '1' },
        { symbol: 'B', startPrice: '6950.0', priceStep: '0.5', qtyStep: '1' },
        { symbol: 'C', startPrice: '0.123456', priceStep: '0.001', qtyStep: '1' },
      ],
      now: () => T0,
      historySeconds: 0,
    });
    expect(m.lastPrice('A')).toBe(30000n);
    expect(m.lastPrice('B')).toBe(69500n);
    expect(m.lastPrice('C')).toBe(123n);
  });
});
