import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec, formatScaled } from '../../../common/decimal.js';
import {
  QuotationError,
  decToMoney,
  decToQuotation,
  moneyToDec,
  quotationNumbersToDec,
  quotationToDec,
} from '../../../electron/venues/tinvest/quotation.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Any exact decimal with at most 9 places whose units fit int64. */
const decimal = fc
  .tuple(fc.bigInt({ min: INT64_MIN + 1n, max: INT64_MAX - 1n }), fc.integer({ min: 0, max: 999_999_999 }))
  .map(([units, frac]) => {
    const n = units * 1_000_000_000n + (units < 0n ? -BigInt(frac) : BigInt(frac));
    return formatScaled(n, 9);
  });

/** A Quotation that follows the venue's rules. */
const validQuotation = fc
  .tuple(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), fc.integer({ min: 0, max: 999_999_999 }))
  .map(([units, nano]) => ({ units: units.toString(), nano: units < 0n ? -nano : units > 0n ? nano : nano }));

/** Ordinary prices, written plainly or not quite canonically ("1.10", "-0", "007.5"). */
const plainText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), fc.option(fc.stringMatching(/^\d{1,9}$/)))
  .map(([neg, units, frac]) => `${neg ? '-' : ''}${units}${frac === null ? '' : `.${frac}`}`);

describe('Quotation ↔ Dec', () => {
  it('takes the plain text path to the same Quotation exact arithmetic gives', () => {
    fc.assert(
      fc.property(plainText, (text) => {
        const q = decToQuotation(text);
        const nanos = BigInt(q.units) * 1_000_000_000n + BigInt(q.nano);
        expect(formatScaled(nanos, 9)).toBe(dec(text));
        expect(Math.abs(q.nano)).toBeLessThan(1e9);
        expect(BigInt(q.units) > 0n && q.nano < 0).toBe(false);
        expect(BigInt(q.units) < 0n && q.nano > 0).toBe(false);
      }),
      { numRuns: 3000 },
    );
    expect(decToQuotation('-0.5')).toEqual({ units: '0', nano: -500_000_000 });
    expect(decToQuotation('-0')).toEqual({ units: '0', nano: 0 });
  });

  it('round-trips every decimal with up to 9 places: Dec → Quotation → Dec', () => {
    fc.assert(
      fc.property(decimal, (d) => {
        expect(quotationToDec(decToQuotation(d))).toBe(d);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives units and nano the same sign, |nano| < 1e9', () => {
    fc.assert(
      fc.property(decimal, (d) => {
        const q = decToQuotation(d);
        const units = BigInt(q.units);
        expect(Math.abs(q.nano)).toBeLessThan(1e9);
        if (units !== 0n && q.nano !== 0) expect(units < 0n).toBe(q.nano < 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the venue example −15.67 as units −15, nano −670000000', () => {
    expect(decToQuotation('-15.67')).toEqual({ units: '-15', nano: -670_000_000 });
    expect(quotationToDec({ units: '-15', nano: -670_000_000 })).toBe('-15.67');
    expect(quotationToDec({ units: '0', nano: -500_000_000 })).toBe('-0.5');
    expect(quotationToDec({ units: '0', nano: 10_000_000 })).toBe('0.01');
  });

  it('round-trips Quotation → Dec → Quotation for every valid Quotation', () => {
    fc.assert(
      fc.property(validQuotation, (q) => {
        expect(decToQuotation(quotationToDec(q))).toEqual({ units: q.units, nano: q.nano === 0 ? 0 : q.nano });
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects |nano| ≥ 1e9', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -1000n, max: 1000n }), fc.integer({ min: 1_000_000_000, max: 2_147_483_647 }), fc.boolean(), (u, n, neg) => {
        const nano = neg ? -n : n;
        const units = neg ? -(u < 0n ? -u : u) : u < 0n ? -u : u;
        expect(() => quotationToDec({ units: units.toString(), nano })).toThrow(QuotationError);
        if (units >= -(2n ** 53n) && units <= 2n ** 53n) expect(() => quotationNumbersToDec(Number(units), nano)).toThrow(QuotationError);
      }),
    );
  });

  it('rejects units and nano of opposite signs', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: INT64_MAX }), fc.integer({ min: 1, max: 999_999_999 }), fc.boolean(), (u, n, unitsNegative) => {
        const q = unitsNegative ? { units: (-u).toString(), nano: n } : { units: u.toString(), nano: -n };
        expect(() => quotationToDec(q)).toThrow(/share the sign/);
      }),
    );
  });

  it('refuses decimals with more than 9 places or beyond int64 rather than rounding', () => {
    expect(() => decToQuotation('0.0000000001')).toThrow(QuotationError);
    expect(() => decToQuotation((INT64_MAX + 1n).toString())).toThrow(QuotationError);
    expect(() => quotationToDec({ units: '1.5', nano: 0 })).toThrow(QuotationError);
    expect(() => quotationToDec({ units: '1', nano: 0.5 })).toThrow(QuotationError);
  });

  it('the number fast path gives the same text as the bigint path', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.integer({ min: 0, max: 999_999_999 }), (units, n) => {
        const nano = units < 0 ? -n : n;
        expect(quotationNumbersToDec(units, nano)).toBe(quotationToDec({ units: BigInt(units), nano }));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps MoneyValue currencies lower-case and values exact', () => {
    expect(moneyToDec({ currency: 'RUB', units: '1000', nano: 0 })).toEqual({ currency: 'rub', value: '1000' });
    expect(decToMoney(dec('306.50'), 'rub')).toEqual({ currency: 'rub', units: '306', nano: 500_000_000 });
  });
});
