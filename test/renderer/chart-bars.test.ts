import { describe, expect, it } from 'vitest';
import { historyBars, priceFormatFor, toBar, toChartBars, toVolumeBar } from '../../renderer/components/chart-bars.js';
import { describeCandle } from '../../renderer/format.js';
import { candle } from './fixtures.js';

describe('chart bars', () => {
  it('turns exact decimals into numbers only at the chart boundary, with UTC seconds as time', () => {
    expect(toBar(candle(1_700_000_040, '101.25'))).toEqual({ time: 1_700_000_040, open: 100, high: 110, low: 90, close: 101.25 });
    expect(toVolumeBar(candle(60, '99')).value).toBe(2.5);
  });

  it('makes both series\' bars in one pass, the same as one by one', () => {
    const candles = [candle(60, '99'), candle(120, '101.25')];
    expect(toChartBars(candles)).toEqual({ bars: candles.map(toBar), volumes: candles.map(toVolumeBar) });
  });

  it('orders history strictly by time, keeping the later copy of a bar', () => {
    const bars = historyBars([candle(120, '2'), candle(60, '1'), candle(120, '3')]);
    expect(bars.map((b) => `${b.time}:${b.close}`)).toEqual(['60:1', '120:3']);
  });

  it('takes the price axis precision from the price step', () => {
    expect(priceFormatFor('0.01')).toEqual({ precision: 2, minMove: 0.01 });
    expect(priceFormatFor('1')).toEqual({ precision: 0, minMove: 1 });
  });

  it('describes the last candle with its exact prices and UTC open time', () => {
    expect(describeCandle(candle(Date.UTC(2025, 0, 2, 9, 5) / 1000, '101.50'))).toBe(
      'Last: O 100 H 110 L 90 C 101.50 V 2.5 at 09:05 UTC',
    );
  });
});
