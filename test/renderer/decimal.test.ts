import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, canonical, compare, grouped, isMultipleOf, isPlainDecimal, multiply, nearestMultiples, places, withPlaces } from '../../renderer/decimal.js';

describe('renderer decimals', () => {
  it('accepts only plain non-negative decimals as typed', () => {
    expect(['1', '0.5', '306.50', '007'].map(isPlainDecimal)).toEqual([true, true, true, true]);
    expect(['', '.5', '1.', '-1', '1e3', '1,5', ' 1'].map(isPlainDecimal)).toEqual([false, false, false, false, false, false, false]);
  });

  it('multiplies exactly where floats would not', () => {
    expect(multiply('0.1', '3')).toBe('0.3');
    expect(multiply('306.51', '7', '10')).toBe('21455.7');
    expect(multiply('64250.1', '0.00012345')).toBe('7.931674845');
    expect(add('0.1', '0.2')).toBe('0.3');
  });

  it('checks steps and finds the nearest valid values on either side, in the step\'s decimals', () => {
    expect(isMultipleOf('306.50', '0.01')).toBe(true);
    expect(isMultipleOf('306.505', '0.01')).toBe(false);
    expect(nearestMultiples('306.505', '0.01')).toEqual({ below: '306.50', above: '306.51' });
    expect(nearestMultiples('6950.3', '0.5')).toEqual({ below: '6950.0', above: '6950.5' });
    expect(nearestMultiples('84.3512', '0.005')).toEqual({ below: '84.350', above: '84.355' });
    expect(nearestMultiples('7', '0.5')).toEqual({ below: '7.0', above: '7.0' });
  });

  it('finds multiples that bracket the value and are one step apart', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 8 }), fc.bigInt({ min: 1n, max: 1000n }), fc.integer({ min: 0, max: 6 }), (v, vs, st, ss) => {
        const value = canonical(withScale(v, vs));
        const step = canonical(withScale(st, ss));
        const { below, above } = nearestMultiples(value, step);
        expect(isMultipleOf(below, step) && isMultipleOf(above, step)).toBe(true);
        expect(compare(below, value)).toBeLessThanOrEqual(0);
        expect(compare(above, value)).toBeGreaterThanOrEqual(0);
        if (compare(below, above) !== 0) expect(compare(add(below, step), above)).toBe(0);
      }),
    );
  });

  it('pads to a step\'s places without rounding and groups thousands for reading', () => {
    expect(places('0.01')).toBe(2);
    expect(places('0.50')).toBe(1);
    expect(places('1')).toBe(0);
    expect(withPlaces('306.5', 2)).toBe('306.50');
    expect(withPlaces('306.555', 2)).toBe('306.555');
    expect(grouped('1234567.891')).toBe('1\u2009234\u2009567.891');
  });
});

function withScale(int: bigint, scale: number): string {
  const digits = int.toString().padStart(scale + 1, '0');
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
