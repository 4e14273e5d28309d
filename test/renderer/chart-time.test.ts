import { afterEach, describe, expect, it } from 'vitest';
import { barTimeText, crosshairTimeText, TICK, tickText, zoneLabel, zoneOffsetSec, type ChartClock } from '../../renderer/components/chart-time.js';

const at = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h, mi) / 1000;
const clock = (over: Partial<ChartClock>): ChartClock => ({ zone: 'utc', venue: 'tinvest', interval: '1m', ...over });

describe('chart time in the trader’s zone', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('reads UTC as the venues stamp it', () => {
    expect(barTimeText(at(2026, 12, 6, 14, 5), clock({}))).toBe('14:05 UTC');
    expect(crosshairTimeText(at(2026, 12, 6, 14, 5), clock({}))).toBe('6 Dec 26 14:05 UTC');
  });

  it('reads MOEX time as UTC+3 all year round: no daylight saving in Moscow', () => {
    const msk = clock({ zone: 'exchange', venue: 'tinvest' });
    expect(barTimeText(at(2026, 1, 15, 7, 0), msk)).toBe('10:00 MSK');
    expect(barTimeText(at(2026, 7, 15, 7, 0), msk)).toBe('10:00 MSK');
    // Late evening UTC is the next day in Moscow: the crosshair says so.
    expect(crosshairTimeText(at(2026, 12, 31, 22, 30), msk)).toBe('1 Jan 27 01:30 MSK');
    expect(zoneOffsetSec('exchange', 'tinvest', at(2026, 7, 1))).toBe(3 * 3600);
  });

  it('reads Kraken’s exchange time as UTC', () => {
    expect(barTimeText(at(2026, 7, 15, 7, 0), clock({ zone: 'exchange', venue: 'kraken' }))).toBe('07:00 UTC');
  });

  it('follows the local zone, daylight saving included (TZ set for the process)', () => {
    process.env.TZ = 'America/New_York';
    const local = clock({ zone: 'local' });
    expect(barTimeText(at(2026, 1, 15, 14, 30), local)).toBe('09:30 UTC-5');
    expect(barTimeText(at(2026, 7, 15, 13, 30), local)).toBe('09:30 UTC-4');
    process.env.TZ = 'Asia/Kolkata';
    expect(barTimeText(at(2026, 7, 15, 4, 0), local)).toBe('09:30 UTC+5:30');
    expect(zoneLabel('local', 'kraken', at(2026, 7, 15))).toBe('UTC+5:30');
    process.env.TZ = 'UTC';
    expect(barTimeText(at(2026, 7, 15, 4, 0), local)).toBe('04:00 UTC');
  });

  it('labels day and week bars by their date in every zone, never the day before', () => {
    process.env.TZ = 'America/Los_Angeles';
    const day = at(2026, 12, 7);
    for (const zone of ['utc', 'local', 'exchange'] as const) {
      expect(barTimeText(day, clock({ zone, interval: '1d' }))).toBe('2026-12-07');
      expect(crosshairTimeText(day, clock({ zone, interval: '1w' }))).toBe('2026-12-07');
      expect(tickText(day, TICK.DayOfMonth, clock({ zone, interval: '1d' }))).toBe('7');
    }
  });

  it('writes the axis ticks in the zone', () => {
    const msk = clock({ zone: 'exchange' });
    expect(tickText(at(2026, 12, 6, 21, 0), TICK.Time, msk)).toBe('00:00');
    expect(tickText(at(2026, 12, 6, 21, 0), TICK.DayOfMonth, msk)).toBe('7');
    expect(tickText(at(2026, 12, 31, 21, 0), TICK.Year, msk)).toBe('2027');
    expect(tickText(at(2026, 12, 31, 21, 0), TICK.Month, msk)).toBe('Jan');
    expect(tickText(at(2026, 12, 6, 21, 0) + 7, TICK.TimeWithSeconds, clock({}))).toBe('21:00:07');
  });
});
