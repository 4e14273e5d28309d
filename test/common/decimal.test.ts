import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  add,
  cmp,
  dec,
  grouped,
  isMultipleOf,
  isPlainDecimal,
  isPositive,
  mul,
  nearestSteps,
  parseScaled,
  places,
  sub,
  toScale,
  withPlaces,
  DecimalError,
} from '../../common/decimal.js';

const decText = fc
  .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 12 }))
  .map(([int, scale]) => {
    const neg = int < 0n;
    const digits = (neg ? -int : int).toString().padStart(scale + 1, '0');
    const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
    return (neg ? '-' : '') + text;
  });

describe('exact decimals', () => {
  it('canonicalises without losing value', () => {
    expect(dec('1.50')).toBe('1.5');
    expect(dec('-0.000')).toBe('0');
    expect(dec('007.10')).toBe('7.1');
    fc.assert(fc.property(decText, (s) => cmp(dec(s), s) === 0 && dec(dec(s)) === dec(s)));
  });

  it('rejects text that is not a plain decimal', () => {
    for (const bad of ['', '1e5', ' 1', '1.', '.5', '+1', 'NaN', '0x10', '1,5']) {
      expect(() => dec(bad), bad).toThrow(DecimalError);
    }
  });

  it('adds and subtracts exactly where floats do not', () => {
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(sub('1', '0.9')).toBe('0.1');
    expect(mul('0.1', '3')).toBe('0.3');
    fc.assert(fc.property(decText, decText, (a, b) => cmp(sub(add(a, b), b), a) === 0));
  });

  it('checks price steps and offers the neighbouring valid prices', () => {
    expect(isMultipleOf('100.05', '0.01')).toBe(true);
    expect(isMultipleOf('100.005', '0.01')).toBe(false);
    expect(nearestSteps('100.005', '0.01')).toEqual({ down: '100', up: '100.01' });
    expect(nearestSteps('-0.015', '0.01')).toEqual({ down: '-0.02', up: '-0.01' });
    expect(nearestSteps('2.5', '0.5')).toEqual({ down: '2.5', up: '2.5' });
  });

  it('refuses to scale a value that would lose digits', () => {
    expect(toScale('1.25', 4)).toBe(12500n);
    expect(() => toScale('1.25', 1)).toThrow(DecimalError);
    expect(parseScaled('-3.140')).toEqual({ int: -3140n, scale: 3 });
  });
});

// What the renderer's ticket needs from the same library (it had its own copy until common/).
describe('exact decimals for the ticket', () => {
  it('accepts only plain non-negative decimals as typed', () => {
    expect(['1', '0.5', '306.50', '007'].map(isPlainDecimal)).toEqual([true, true, true, true]);
    expect(['', '.5', '1.', '-1', '1e3', '1,5', ' 1'].map(isPlainDecimal)).toEqual([false, false, false, false, false, false, false]);
    expect(['1', '0.001'].map(isPositive)).toEqual([true, true]);
    expect(['0', '0.000', '-1'].map(isPositive)).toEqual([false, false, false]);
  });

  it('multiplies any number of factors exactly where floats would not', () => {
    expect(mul('0.1', '3')).toBe('0.3');
    expect(mul('306.51', '7', '10')).toBe('21455.7');
    expect(mul('64250.1', '0.00012345')).toBe('7.931674845');
    expect(add('0.1', '0.2')).toBe('0.3');
  });

  it('finds the nearest valid values on either side, shown in the step\'s decimals', () => {
    const shown = (value: string, step: string) => {
      const { down, up } = nearestSteps(value, step);
      return { down: withPlaces(down, places(step)), up: withPlaces(up, places(step)) };
    };
    expect(isMultipleOf('306.50', '0.01')).toBe(true);
    expect(isMultipleOf('306.505', '0.01')).toBe(false);
    expect(shown('306.505', '0.01')).toEqual({ down: '306.50', up: '306.51' });
    expect(shown('6950.3', '0.5')).toEqual({ down: '6950.0', up: '6950.5' });
    expect(shown('84.3512', '0.005')).toEqual({ down: '84.350', up: '84.355' });
    expect(shown('7', '0.5')).toEqual({ down: '7.0', up: '7.0' });
  });

  it('finds multiples that bracket the value and are one step apart', () => {
    const positive = (int: bigint, scale: number) => {
      const digits = int.toString().padStart(scale + 1, '0');
      return dec(scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`);
    };
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 8 }), fc.bigInt({ min: 1n, max: 1000n }), fc.integer({ min: 0, max: 6 }), (v, vs, st, ss) => {
        const value = positive(v, vs);
        const step = positive(st, ss);
        const { down, up } = nearestSteps(value, step);
        expect(isMultipleOf(down, step) && isMultipleOf(up, step)).toBe(true);
        expect(cmp(down, value)).toBeLessThanOrEqual(0);
        expect(cmp(up, value)).toBeGreaterThanOrEqual(0);
        if (cmp(down, up) !== 0) expect(cmp(add(down, step), up)).toBe(0);
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
    expect(grouped('-1234.5')).toBe('-1\u2009234.5');
  });
});
