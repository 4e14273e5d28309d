import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { add, cmp, dec, isMultipleOf, mul, nearestSteps, parseScaled, sub, toScale, DecimalError } from '../electron/decimal.js';

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
