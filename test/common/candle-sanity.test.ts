import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { candleProblem, cmpPlain } from '../../common/candle-sanity.js';
import { cmp, dec } from '../../common/decimal.js';
import type { Candle } from '../../common/domain.js';

const NOW_MS = Date.UTC(2026, 11, 6, 12, 0, 30);
const T = Date.UTC(2026, 11, 6, 12, 0, 0) / 1000;

function candle(over: Partial<Candle> = {}): Candle {
  return { venue: 'kraken', instrumentId: 'XXBTZUSD', interval: '1m', time: T, open: '100.5', high: '101', low: '99.25', close: '100', volume: '12.5', ...over };
}

const check = (c: Candle): string | undefined => candleProblem(c, { nowMs: NOW_MS });

describe('candleProblem', () => {
  it('accepts an ordinary candle, a flat one and the forming bar one interval ahead of a slow clock', () => {
    expect(check(candle())).toBeUndefined();
    expect(check(candle({ open: '5', high: '5', low: '5', close: '5', volume: '0' }))).toBeUndefined();
    expect(check(candle({ time: T + 60 }))).toBeUndefined();
    expect(check(candle({ open: '0.00000001', high: '0.00000002', low: '0.00000001', close: '0.00000002' }))).toBeUndefined();
  });

  it.each([
    ['a far-future open time (2100)', { time: Date.UTC(2100, 0, 1) / 1000 }, 'future'],
    ['an open time two intervals ahead', { time: T + 180 }, 'future'],
    ['an open time before 2000', { time: 60 }, 'before 2000'],
    ['an open time not on the minute', { time: T + 7 }, 'aligned'],
    ['a fractional open time', { time: T + 0.5 }, 'whole second'],
    ['high below low', { high: '99', low: '100', open: '99.5', close: '99.5' }, 'high below low'],
    ['open above high', { open: '102' }, 'open outside'],
    ['close below low', { close: '99' }, 'close outside'],
    ['negative volume', { volume: '-50' }, 'volume'],
    ['zero prices (a candle without prices)', { open: '0', high: '0', low: '0', close: '0' }, 'zero'],
    ['an int64-max price', { high: '9223372036854775807' }, 'absurdly large'],
    ['a 309-digit price', { high: '1' + '0'.repeat(308) }, 'absurdly large'],
    ['exponent text', { close: '1e3' }, 'plain'],
    ['a price that is not text', { open: null as unknown as string }, 'plain'],
    ['broken decimal text', { low: '99.' }, 'plain'],
  ])('rejects %s', (_what, over, why) => {
    expect(check(candle(over))).toContain(why);
  });

  it('takes day candles opening on the session hour, not only at midnight', () => {
    const day = Date.UTC(2026, 11, 5, 7, 0, 0) / 1000;
    expect(check(candle({ interval: '1d', time: day }))).toBeUndefined();
    expect(check(candle({ interval: '1d', time: day + 60 }))).toContain('aligned');
  });

  it('lets the venue clock run ahead by the configured skew only', () => {
    const ahead = candle({ time: T + 120 });
    expect(candleProblem(ahead, { nowMs: NOW_MS, skewMs: 0 })).toContain('future');
    expect(candleProblem(ahead, { nowMs: NOW_MS, skewMs: 60_000 })).toBeUndefined();
  });
});

describe('cmpPlain', () => {
  const plain = fc
    .tuple(fc.nat({ max: 10_000_000 }), fc.nat({ max: 99_999_999 }), fc.nat({ max: 8 }), fc.nat({ max: 3 }), fc.nat({ max: 3 }))
    .map(([i, f, fd, lead, trail]) => {
      const frac = fd === 0 ? '' : `.${String(f).padStart(8, '0').slice(0, fd)}${'0'.repeat(trail)}`;
      return `${'0'.repeat(lead)}${i}${frac}`;
    });

  it('orders decimal texts as the decimal library does, leading and trailing zeros included', () => {
    fc.assert(
      fc.property(plain, plain, (a, b) => {
        expect(cmpPlain(a, b)).toBe(cmp(dec(a), dec(b)));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('candleProblem on doubles where they are exact', () => {
  // Whole parts of at most 12 digits and up to 18 decimals: many texts carry more digits than a
  // double holds, and nearby values round to the same double; the verdict must stay exact.
  const price = fc
    .tuple(fc.bigInt({ min: 1n, max: 10n ** 12n - 1n }), fc.nat({ max: 18 }), fc.nat({ max: 2 }))
    .chain(([whole, k, near]) =>
      fc.bigInt({ min: 0n, max: 10n ** BigInt(k) - 1n }).map((frac) => {
        const w = near === 0 ? whole : 1000000000n + BigInt(near);
        return k === 0 ? w.toString() : `${w}.${frac.toString().padStart(k, '0')}`;
      }),
    );
  const order = (d: Candle): string | undefined => {
    const [o, h, l, c] = [d.open, d.high, d.low, d.close].map((x) => dec(x)) as [string, string, string, string];
    if (cmp(o, l) < 0 || cmp(o, h) > 0) return cmp(h, l) < 0 ? 'high below low' : 'open outside [low, high]';
    if (cmp(c, l) < 0 || cmp(c, h) > 0) return 'close outside [low, high]';
    return undefined;
  };

  it('orders prices exactly as the decimal library does', () => {
    fc.assert(
      fc.property(price, price, price, price, fc.boolean(), (o, h, l, c, tie) => {
        const d = candle({ open: o, high: tie ? o : h, low: l, close: tie ? l : c });
        expect(check(d)).toBe(order(d));
      }),
      { numRuns: 20_000 },
    );
  });
});
