import { describe, expect, it } from 'vitest';
import type { CandleKey } from '../../electron/domain.js';
import { CandleSeries } from '../../electron/core/series.js';
import { candle } from './memory-venue.js';

const KEY: CandleKey = { venue: 'kraken', instrumentId: 'XBTUSD', interval: '1m' };

describe('CandleSeries', () => {
  it('replaces the forming bar, appends later ones and refuses older ones', () => {
    const s = new CandleSeries(KEY);
    expect(s.apply(candle(KEY, 60, 1))).toBe('appended');
    expect(s.apply(candle(KEY, 60, 2))).toBe('replaced');
    expect(s.apply(candle(KEY, 120, 3))).toBe('appended');
    expect(s.apply(candle(KEY, 60, 9))).toBe('stale');
    expect(s.toArray().map((c) => [c.time, c.close])).toEqual([
      [60, '2'],
      [120, '3'],
    ]);
    expect(s.stale).toBe(1);
  });

  it('keeps only the most recent bars up to its capacity', () => {
    const s = new CandleSeries(KEY, 10);
    for (let i = 1; i <= 100; i++) s.apply(candle(KEY, i * 60, i));
    expect(s.length).toBe(10);
    expect(s.toArray().map((c) => c.time)).toEqual(Array.from({ length: 10 }, (_, i) => (91 + i) * 60));
    expect(s.last()?.close).toBe('100');
  });
});
