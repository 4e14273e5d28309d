import { describe, expect, it } from 'vitest';
import type { CandleKey } from '../../common/domain.js';
import { CandleSeries } from '../../electron/core/series.js';
import { T0, candle } from './memory-venue.js';

const KEY: CandleKey = { venue: 'kraken', instrumentId: 'XBTUSD', interval: '1m' };

describe('CandleSeries', () => {
  it('replaces the forming bar, appends later ones and refuses older ones', () => {
    const s = new CandleSeries(KEY);
    expect(s.apply(candle(KEY, 60, 1))).toBe('appended');
    expect(s.apply(candle(KEY, 60, 2))).toBe('replaced');
    expect(s.apply(candle(KEY, 120, 3))).toBe('appended');
    expect(s.apply(candle(KEY, 60, 9))).toBe('stale');
    expect(s.toArray().map((c) => [c.time - T0, c.close])).toEqual([
      [60, '2'],
      [120, '3'],
    ]);
    expect(s.stale).toBe(1);
  });

  it('keeps only the most recent bars up to its capacity', () => {
    const s = new CandleSeries(KEY, { capacity: 10 });
    for (let i = 1; i <= 100; i++) s.apply(candle(KEY, i * 60, i));
    expect(s.length).toBe(10);
    expect(s.toArray().map((c) => c.time - T0)).toEqual(Array.from({ length: 10 }, (_, i) => (91 + i) * 60));
    expect(s.last()?.close).toBe('100');
  });

  it('refuses a candle dated beyond the clock tolerance and keeps taking the real ones', () => {
    const s = new CandleSeries(KEY, { now: () => (T0 + 120) * 1000, skewMs: 5000 });
    expect(s.apply(candle(KEY, 60, 1))).toBe('appended');
    // One interval plus the skew ahead is still the venue's clock running fast; more is not.
    expect(s.apply(candle(KEY, 240, 2))).toBe('rejected');
    expect(s.apply(candle(KEY, 120, 3))).toBe('appended');
    expect(s.apply(candle(KEY, 180, 4))).toBe('appended');
    expect(s.last()?.close).toBe('4');
    expect(s.rejected).toBe(1);
    expect(s.lastRejection).toBe('open time in the future');
  });
});
